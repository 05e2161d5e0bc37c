using System.Security.Cryptography;
using System.Text;
using AspireScale.AppHost.Hosting;
using AspireScale.AppHost.Processes;
using AspireScale.AppHost.Resources;
using AspireScale.AppHost.Supervision;

namespace AspireScale.AppHost.Backing;

// A RabbitMQ node that shares nothing with any other on the machine: its own node name, HOME (cookie), mnesia and log
// folders, config, and an epmd of its own on a private port that we start and supervise (an epmd that erl daemonizes
// itself would outlive us). Everything listens on 127.0.0.1. No plugins: the management plugin doubles the boot time.
public static class RabbitMQHost
{
    public static void AssignPorts(HostingContext context, RabbitMQResource rabbit)
    {
        rabbit.Port = context.Ports.Next();
        rabbit.EpmdPort = context.Ports.Next();
        rabbit.DistributionPort = context.Ports.Next();
        rabbit.Password = context.Secrets.Password("rabbitmq");
        rabbit.ErlangCookie = context.Secrets.Password("erlang-cookie");
    }

    public static string EpmdId(RabbitMQResource rabbit) => rabbit.Name + "-epmd";

    public static ReplicaDefinition Epmd(HostingContext context, RabbitMQResource rabbit) => new()
    {
        Resource = rabbit.Name,
        Kind = rabbit.Kind,
        Id = EpmdId(rabbit),
        CreateSpec = () => new ProcessSpec
        {
            Id = EpmdId(rabbit),
            FileName = Binaries.Find("epmd", "erlang-base"),
            Arguments = ["-port", rabbit.EpmdPort.ToString(), "-address", "127.0.0.1"],
            WorkingDirectory = context.DataDirectory,
            Endpoint = $"tcp://127.0.0.1:{rabbit.EpmdPort}",
            Health = new EpmdHealthProbe(rabbit.EpmdPort),
        },
    };

    public static ReplicaDefinition Broker(HostingContext context, RabbitMQResource rabbit)
    {
        var folder = Path.Combine(context.DataDirectory, rabbit.Name);
        var home = Path.Combine(folder, "home");
        var server = Binaries.Find("rabbitmq-server", "rabbitmq-server");
        var files = new
        {
            Config = Path.Combine(folder, "rabbitmq.conf"),
            Plugins = Path.Combine(folder, "enabled_plugins"),
            EnvConf = Path.Combine(folder, "rabbitmq-env.conf"),
            Cookie = Path.Combine(home, ".erlang.cookie"),
        };

        return new ReplicaDefinition
        {
            Resource = rabbit.Name,
            Kind = rabbit.Kind,
            Id = rabbit.Name,
            BeforeStart = async ct =>
            {
                // erl must find our epmd rather than start its own (-start_epmd false makes that a hard rule).
                await context.Notifications.WaitForAsync([EpmdId(rabbit)], s => s.Health == ReplicaHealth.Healthy, ct);
                Directory.CreateDirectory(home);
                Directory.CreateDirectory(Path.Combine(folder, "mnesia"));
                Directory.CreateDirectory(Path.Combine(folder, "log"));
                await WriteSecretFileAsync(files.Config, $"""
                    default_user = {rabbit.UserName}
                    default_pass = {rabbit.Password}
                    loopback_users = none
                    listeners.tcp.1 = 127.0.0.1:{rabbit.Port}
                    """, ct);
                await File.WriteAllTextAsync(files.Plugins, "[].", ct);
                await File.WriteAllTextAsync(files.EnvConf, "", ct);
                await WriteSecretFileAsync(files.Cookie, rabbit.ErlangCookie, ct, UnixFileMode.UserRead);
            },
            CreateSpec = () => new ProcessSpec
            {
                Id = rabbit.Name,
                FileName = server,
                WorkingDirectory = folder,
                Environment = new Dictionary<string, string>
                {
                    ["HOME"] = home,
                    ["ERL_EPMD_PORT"] = rabbit.EpmdPort.ToString(),
                    ["RABBITMQ_NODENAME"] = NodeName(context.DataDirectory),
                    ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
                    ["RABBITMQ_NODE_PORT"] = rabbit.Port.ToString(),
                    ["RABBITMQ_DIST_PORT"] = rabbit.DistributionPort.ToString(),
                    ["RABBITMQ_MNESIA_BASE"] = Path.Combine(folder, "mnesia"),
                    ["RABBITMQ_LOG_BASE"] = Path.Combine(folder, "log"),
                    ["RABBITMQ_CONFIG_FILE"] = files.Config,
                    ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(folder, "advanced.config"),
                    ["RABBITMQ_ENABLED_PLUGINS_FILE"] = files.Plugins,
                    ["RABBITMQ_CONF_ENV_FILE"] = files.EnvConf,
                    // With input allowed the script execs erl instead of wrapping it in a shell: our pid is the VM's,
                    // so its death signal and our stop signal reach it. -noinput keeps the shell from reading stdin.
                    ["RABBITMQ_ALLOW_INPUT"] = "true",
                    ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-noinput -start_epmd false -kernel inet_dist_use_interface {127,0,0,1}",
                },
                Endpoint = $"tcp://127.0.0.1:{rabbit.Port}",
                Health = new RabbitMQHealthProbe(rabbit.GetConnectionString()),
                StopTimeout = TimeSpan.FromSeconds(15),
            },
        };
    }

    // Unique per data folder, so two AppHosts on one machine never share a node (or its mnesia).
    private static string NodeName(string dataDirectory) =>
        $"aspirescale-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataDirectory)))[..10]}@localhost";

    private static async Task WriteSecretFileAsync(string path, string content, CancellationToken cancellationToken, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        if (File.Exists(path))
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await File.WriteAllTextAsync(path, content, cancellationToken);
        File.SetUnixFileMode(path, mode);
    }
}
