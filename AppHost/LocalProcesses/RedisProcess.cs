using AspireScale.AppHost.Supervision;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace AspireScale.AppHost.LocalProcesses;

// redis-server run by DCP as a local process, with the connection string Aspire's AddRedis gives (host:port,password=...).
public sealed class RedisProcessResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public EndpointReference PrimaryEndpoint => new(this, "tcp");

    public ParameterResource PasswordParameter { get; } = password;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)},password={PasswordParameter}");
}

public static class RedisProcessBuilderExtensions
{
    // In the foreground with a generated config file, so the password stays out of the process list.
    public static IResourceBuilder<RedisProcessResource> AddRedisProcess(this IDistributedApplicationBuilder builder, string name, DataFolder data)
    {
        var password = builder.AddParameter($"{name}-password", () => data.Password("redis"), secret: true);
        var folder = data.For(name);
        var configFile = Path.Combine(folder, "redis.conf");
        var redis = new RedisProcessResource(name, LocalTools.Find("redis-server", "redis-server"), data.Path, password.Resource);

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(redis, async (_, ct) =>
        {
            Directory.CreateDirectory(folder);
            await File.WriteAllTextAsync(configFile, $"""
                bind 127.0.0.1
                port {redis.PrimaryEndpoint.TargetPort}
                protected-mode yes
                requirepass {await password.Resource.GetValueAsync(ct)}
                daemonize no
                dir {folder}
                dbfilename dump.rdb
                save 60 1
                logfile ""
                """, ct);
            File.SetUnixFileMode(configFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        });

        var key = $"{name}_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(key, async ct =>
        {
            try
            {
                var options = ConfigurationOptions.Parse((await redis.ConnectionStringExpression.GetValueAsync(ct))!);
                options.AbortOnConnectFail = true;
                options.ConnectTimeout = 2000;
                await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
                await connection.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy();
            }
            catch (RedisException exception)
            {
                return HealthCheckResult.Unhealthy(exception.Message);
            }
        });

        return builder.AddResource(redis)
            .WithArgs(configFile)
            .WithLocalEndpoint()
            .WithHealthCheck(key)
            .WithIconName("Memory")
            .WithRestartOnCrash();
    }
}
