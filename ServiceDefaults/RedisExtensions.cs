using Microsoft.AspNetCore.OutputCaching;
using Microsoft.AspNetCore.OutputCaching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

// Aspire.StackExchange.Redis (one shared multiplexer over ConnectionStrings:<name>, its traces) with our own health check,
// and the output cache stored in Redis on that multiplexer (Aspire.StackExchange.Redis.OutputCaching is not served here).
public static class RedisExtensions
{
    public static void AddRedisConnection(this IHostApplicationBuilder builder, string connectionName)
    {
        builder.AddRedisClient(connectionName,
            // Ours instead of the integration's (AspNetCore.HealthChecks.Redis): its PING takes no token, so a Redis that
            // hangs (a stopped process, a partition) held /health past the probes' timeout and took every replica out of
            // rotation (RedisOutageTests); ours gives up with the check's 1 s timeout.
            settings => settings.DisableHealthChecks = true,
            options =>
            {
                // Connect in the background: a Redis that is down at start does not stop the service.
                options.AbortOnConnectFail = false;
                options.ConnectTimeout = Math.Min(options.ConnectTimeout, 2000);
            });
        // Degraded, not Unhealthy: every user of Redis here falls back without it (cache misses, local rate limits), so a
        // Redis outage must not fail /health and take every replica out of the balancer and the Container Apps ingress.
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            connectionName, sp => new RedisPingHealthCheck(sp.GetRequiredService<IConnectionMultiplexer>()),
            HealthStatus.Degraded, ["ready"], TimeSpan.FromSeconds(1)));
    }

    public static void AddRedisOutputCache(this IHostApplicationBuilder builder, string connectionName, Action<OutputCacheOptions>? configure = null)
    {
        if (!builder.Services.Any(d => d.ServiceType == typeof(IConnectionMultiplexer)))
        {
            builder.AddRedisConnection(connectionName);
        }

        builder.Services.AddStackExchangeRedisOutputCache(_ => { });
        builder.Services.AddOptions<RedisOutputCacheOptions>()
            .Configure<IServiceProvider>((options, sp) =>
                options.ConnectionMultiplexerFactory = () => Task.FromResult(sp.GetRequiredService<IConnectionMultiplexer>()));
        builder.Services.AddOutputCache(options => configure?.Invoke(options));
    }
}

public static class RedisFailures
{
    // How a call on the multiplexer fails when Redis is down or hangs: a connection dropped mid-call fails its pending
    // commands as cancelled, whatever the caller's token says.
    public static bool IsUnavailable(Exception exception) =>
        exception is RedisException or TimeoutException or OperationCanceledException;
}

// PING through the shared multiplexer, given up when the check's token fires: a Redis that hangs (a stopped process, a
// partition) would otherwise hold /health for the multiplexer's whole timeout, past the probes' own, which is what
// AspNetCore.HealthChecks.Redis does (its ping takes no token).
internal sealed class RedisPingHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!redis.IsConnected)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Redis is not connected.");
        }

        try
        {
            var latency = await redis.GetDatabase().PingAsync().WaitAsync(cancellationToken);
            return HealthCheckResult.Healthy($"PING answered in {latency.TotalMilliseconds:0.0} ms.");
        }
        catch (Exception exception) when (RedisFailures.IsUnavailable(exception))
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Redis did not answer PING.", exception);
        }
    }
}
