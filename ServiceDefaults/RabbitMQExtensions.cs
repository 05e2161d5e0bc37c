using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Microsoft.Extensions.Hosting;

// What Aspire.RabbitMQ.Client adds: one IConnection over ConnectionStrings:<name>, connected with exponential retry,
// automatic recovery after a broker restart, a health check, and the client's own ActivitySources in traces.
public static class RabbitMQExtensions
{
    public static void AddRabbitMQClient(this IHostApplicationBuilder builder, string connectionName)
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{connectionName} is missing. Set ConnectionStrings__{connectionName} (the AppHost does).");
        }

        var factory = new ConnectionFactory
        {
            Uri = new Uri(connectionString),
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(2),
            ClientProvidedName = builder.Environment.ApplicationName,
        };

        builder.Services.AddSingleton<IConnectionFactory>(factory);
        builder.Services.AddSingleton(sp => ConnectWithRetry(factory, sp.GetRequiredService<ILoggerFactory>().CreateLogger("RabbitMQ.Client")));
        builder.Services.AddHealthChecks().AddCheck<RabbitMQHealthCheck>(connectionName, tags: ["ready"]);
    }

    // Resolved once, at first use; the broker may still be starting, so back off exponentially (capped) before giving up.
    private static IConnection ConnectWithRetry(ConnectionFactory factory, ILogger logger)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return factory.CreateConnectionAsync().GetAwaiter().GetResult();
            }
            catch (Exception ex) when (attempt < 10 && ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException)
            {
                logger.LogWarning(ex, "RabbitMQ not reachable (attempt {Attempt}); retrying in {Delay}", attempt, delay);
                Thread.Sleep(delay);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
            }
        }
    }
}

internal sealed class RabbitMQHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connection = services.GetRequiredService<IConnection>();
            if (!connection.IsOpen)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, "The RabbitMQ connection is closed (recovering).");
            }

            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "RabbitMQ is unreachable.", ex);
        }
    }
}
