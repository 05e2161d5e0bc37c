using AspireScale.AppHost.Hosting;
using AspireScale.AppHost.Processes;
using AspireScale.AppHost.Resources;
using AspireScale.AppHost.Supervision;

namespace AspireScale.AppHost.Backing;

// redis-server in the foreground with a generated config (the password stays out of the process list).
public static class RedisHost
{
    public static void AssignPorts(HostingContext context, RedisResource redis)
    {
        redis.Port = context.Ports.Next();
        redis.Password = context.Secrets.Password("redis");
    }

    public static ReplicaDefinition Server(HostingContext context, RedisResource redis)
    {
        var folder = Path.Combine(context.DataDirectory, redis.Name);
        var configFile = Path.Combine(folder, "redis.conf");
        var redisServer = Binaries.Find("redis-server", "redis-server");
        return new ReplicaDefinition
        {
            Resource = redis.Name,
            Kind = redis.Kind,
            Id = redis.Name,
            BeforeStart = async ct =>
            {
                Directory.CreateDirectory(folder);
                await File.WriteAllTextAsync(configFile, $"""
                    bind 127.0.0.1
                    port {redis.Port}
                    protected-mode yes
                    requirepass {redis.Password}
                    daemonize no
                    dir {folder}
                    dbfilename dump.rdb
                    save 60 1
                    logfile ""
                    """, ct);
                File.SetUnixFileMode(configFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            },
            CreateSpec = () => new ProcessSpec
            {
                Id = redis.Name,
                FileName = redisServer,
                Arguments = [configFile],
                WorkingDirectory = folder,
                Endpoint = $"tcp://127.0.0.1:{redis.Port}",
                Health = new RedisHealthProbe(redis.Port, redis.Password),
            },
        };
    }
}
