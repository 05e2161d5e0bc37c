using AspireScale.AppHost.Supervision;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;

namespace AspireScale.AppHost.LocalProcesses;

// A RabbitMQ node run by DCP as a local process that shares nothing with any other on the machine: its own node name,
// HOME (cookie), mnesia and log folders, config, and an epmd of its own on a private port, which DCP runs as a resource of
// its own (an epmd that erl daemonizes itself would outlive us). Everything listens on 127.0.0.1. No plugins: the
// management plugin doubles the boot time. The connection string is the one Aspire's AddRabbitMQ gives.
public sealed class RabbitMQProcessResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    // The user our earlier engine (in git history) made in the same data folder (<data>/messaging): RabbitMQ applies
    // default_user only on its first boot, so a folder that engine started first would refuse any other name.
    public const string UserName = "aspirescale";

    public EndpointReference PrimaryEndpoint => new(this, "tcp");

    public ParameterResource PasswordParameter { get; } = password;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"amqp://{UserName}:{PasswordParameter}@{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}

public sealed class EpmdProcessResource(string name, string command, string workingDirectory) : ExecutableResource(name, command, workingDirectory)
{
    public EndpointReference PrimaryEndpoint => new(this, "tcp");
}

public static class RabbitMQProcessBuilderExtensions
{
    public static IResourceBuilder<RabbitMQProcessResource> AddRabbitMQProcess(this IDistributedApplicationBuilder builder, string name, DataFolder data)
    {
        var password = builder.AddParameter($"{name}-password", () => data.Password("rabbitmq"), secret: true);
        var folder = data.For(name);
        var home = Path.Combine(folder, "home");
        var files = new
        {
            Config = Path.Combine(folder, "rabbitmq.conf"),
            Plugins = Path.Combine(folder, "enabled_plugins"),
            EnvConf = Path.Combine(folder, "rabbitmq-env.conf"),
            Cookie = Path.Combine(home, ".erlang.cookie"),
        };

        var epmd = builder.AddResource(new EpmdProcessResource($"{name}-epmd", LocalTools.Find("epmd", "erlang-base"), data.Path))
            .WithLocalEndpoint()
            .WithRestartOnCrash();
        epmd.WithArgs(context =>
        {
            context.Args.Add("-port");
            context.Args.Add(epmd.Resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
            context.Args.Add("-address");
            context.Args.Add("127.0.0.1");
        });
        epmd.WithHealthCheck(AddTcpCheck(builder, epmd.Resource.Name, epmd.Resource.PrimaryEndpoint));

        // The script in /usr/lib/rabbitmq/bin runs the node as ourselves (Debian's /usr/sbin wrapper would switch to the
        // rabbitmq user, which then cannot read our folders).
        var rabbit = new RabbitMQProcessResource(name, LocalTools.Find("rabbitmq-server", "rabbitmq-server", "/usr/lib/rabbitmq/bin"), folder, password.Resource);
        var distributionPort = LocalPorts.Next();
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(rabbit, async (_, ct) =>
        {
            Directory.CreateDirectory(home);
            Directory.CreateDirectory(Path.Combine(folder, "mnesia"));
            Directory.CreateDirectory(Path.Combine(folder, "log"));
            await WriteSecretFileAsync(files.Config, $"""
                default_user = {RabbitMQProcessResource.UserName}
                default_pass = {await password.Resource.GetValueAsync(ct)}
                loopback_users = none
                listeners.tcp.1 = 127.0.0.1:{rabbit.PrimaryEndpoint.TargetPort}
                """, ct);
            await File.WriteAllTextAsync(files.Plugins, "[].", ct);
            await File.WriteAllTextAsync(files.EnvConf, "", ct);
            await WriteSecretFileAsync(files.Cookie, data.Password("erlang-cookie"), ct, UnixFileMode.UserRead);
        });

        var key = $"{name}_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(key, async ct =>
        {
            try
            {
                var factory = new ConnectionFactory { Uri = new Uri((await rabbit.ConnectionStringExpression.GetValueAsync(ct))!), RequestedConnectionTimeout = TimeSpan.FromSeconds(2) };
                await using var connection = await factory.CreateConnectionAsync(ct);
                return HealthCheckResult.Healthy();
            }
            catch (Exception exception) when (exception is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException or System.Net.Sockets.SocketException)
            {
                return HealthCheckResult.Unhealthy(exception.Message);
            }
        });

        return builder.AddResource(rabbit)
            .WithLocalEndpoint()
            .WithEnvironment("HOME", home)
            .WithEnvironment(context => context.EnvironmentVariables["ERL_EPMD_PORT"] = epmd.Resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort))
            .WithEnvironment("RABBITMQ_NODENAME", NodeName(data.Path))
            .WithEnvironment("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .WithEnvironment(context => context.EnvironmentVariables["RABBITMQ_NODE_PORT"] = rabbit.PrimaryEndpoint.Property(EndpointProperty.TargetPort))
            .WithEnvironment("RABBITMQ_DIST_PORT", distributionPort.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("RABBITMQ_MNESIA_BASE", Path.Combine(folder, "mnesia"))
            .WithEnvironment("RABBITMQ_LOG_BASE", Path.Combine(folder, "log"))
            .WithEnvironment("RABBITMQ_CONFIG_FILE", files.Config)
            .WithEnvironment("RABBITMQ_ADVANCED_CONFIG_FILE", Path.Combine(folder, "advanced.config"))
            .WithEnvironment("RABBITMQ_ENABLED_PLUGINS_FILE", files.Plugins)
            .WithEnvironment("RABBITMQ_CONF_ENV_FILE", files.EnvConf)
            // With input allowed the script execs erl instead of wrapping it in a shell, so the pid DCP signals is the VM's.
            // -noinput keeps the shell from reading stdin.
            .WithEnvironment("RABBITMQ_ALLOW_INPUT", "true")
            .WithEnvironment("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-noinput -start_epmd false -kernel inet_dist_use_interface {127,0,0,1}")
            .WithHealthCheck(key)
            .WithIconName("Mail")
            .WithRestartOnCrash()
            .WaitFor(epmd);
    }

    private static string AddTcpCheck(IDistributedApplicationBuilder builder, string name, EndpointReference endpoint)
    {
        var key = $"{name}_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(key, async ct =>
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync("127.0.0.1", endpoint.TargetPort!.Value, ct);
                return HealthCheckResult.Healthy();
            }
            catch (System.Net.Sockets.SocketException exception)
            {
                return HealthCheckResult.Unhealthy(exception.Message);
            }
        });
        return key;
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
