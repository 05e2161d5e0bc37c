using Microsoft.AspNetCore.OutputCaching;
using Microsoft.AspNetCore.OutputCaching.StackExchangeRedis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

// What Aspire.StackExchange.Redis and Aspire.StackExchange.Redis.OutputCaching add: one shared multiplexer over
// ConnectionStrings:<name> that connects in the background (a Redis that is down at start does not stop the service),
// a health check, and the output cache stored in Redis.
public static class RedisExtensions
{
    public static void AddRedisClient(this IHostApplicationBuilder builder, string connectionName)
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{connectionName} is missing. Set ConnectionStrings__{connectionName} (the AppHost does).");
        }

        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 2000);

        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
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
            builder.AddRedisClient(connectionName);
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
