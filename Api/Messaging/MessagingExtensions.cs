using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireScale.Api.Messaging;

public static class MessagingExtensions
{
    private const string MessagingConnection = "messaging";

    // The API's half of the pipeline: the outbox relay (one per replica). Without a broker configured (some in-process
    // tests) outbox rows simply wait in the table.
    public static IHostApplicationBuilder AddConduitMessaging(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<MessagingMetrics>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(MessagingConnection)))
        {
            return builder;
        }

        // The outbox exists so that accepting work does not need the broker: while it is away the API stays in rotation
        // (Degraded is still 200) and the relay catches up when it is back. The integration's broker check reports
        // Unhealthy (and may block while connecting), so the API has one that reads the relay's state instead.
        builder.AddMessagingConnection(MessagingConnection, healthCheck: false);
        builder.Services.AddSingleton<OutboxRelay>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OutboxRelay>());
        builder.Services.AddHealthChecks().AddCheck<OutboxRelayHealthCheck>("outbox-relay", HealthStatus.Degraded, ["ready"]);
        return builder;
    }
}

internal sealed class OutboxRelayHealthCheck(OutboxRelay relay) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(relay.LastFailure is { } failure
            ? new HealthCheckResult(context.Registration.FailureStatus, "The outbox relay cannot publish; messages wait in the outbox.", failure)
            : HealthCheckResult.Healthy());
}
