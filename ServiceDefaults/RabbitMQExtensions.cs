namespace Microsoft.Extensions.Hosting;

// Aspire.RabbitMQ.Client (one IConnection over ConnectionStrings:<name>, connect retries, a health check, the client's
// traces) with what our services need on top of its defaults.
public static class RabbitMQExtensions
{
    // Lazy: the connection is made when a relay or consumer first asks for it, not at start, so a broker that is down
    // does not stop the Api from starting (its outbox holds the work) nor fail the Worker's host before its loop retries.
    // Automatic and topology recovery are the client's defaults; every 2 s instead of 5 s: after a broker restart, jobs flow again sooner (JobFaultToleranceTests).
    public static void AddMessagingConnection(this IHostApplicationBuilder builder, string connectionName, bool healthCheck = true) =>
        builder.AddRabbitMQClient(connectionName,
            settings =>
            {
                settings.DisableAutoActivation = true;
                settings.DisableHealthChecks = !healthCheck;
            },
            factory =>
            {
                factory.NetworkRecoveryInterval = TimeSpan.FromSeconds(2);
                factory.ClientProvidedName = builder.Environment.ApplicationName;
            });
}
