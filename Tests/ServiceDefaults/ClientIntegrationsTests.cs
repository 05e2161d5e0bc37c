using System.Collections.Concurrent;
using System.Diagnostics;
using AspireScale.Api.Data;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;
using AspireScale.Tests.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL;
using StackExchange.Redis;

namespace AspireScale.Tests.ServiceDefaults;

// The Api on Aspire's client integrations (ServiceDefaults/*Extensions.cs) with ours kept where they measured better:
// our pool size and connection-string tuning under Aspire's EF enrichment, our bounded Redis check instead of the
// integration's, no broker check (the outbox relay's state stands for it), and Aspire's Redis tracing.
[Collection(SharedTopology.Name)]
public sealed class ClientIntegrationsTests(SharedTopologyFixture topology)
{
    [Fact]
    public async Task TheApiUsesAspiresClientsWithOurPoolTuningAndHealthChecks()
    {
        await using var factory = new ConduitApiFactory(topology.App);
        var services = factory.Services;

        var checks = services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.ToDictionary(r => r.Name);
        Assert.Equal(HealthStatus.Degraded, checks["cache"].FailureStatus);
        Assert.Equal(TimeSpan.FromSeconds(1), checks["cache"].Timeout);
        Assert.Contains(nameof(ConduitDbContext), checks.Keys);
        Assert.Contains("outbox-relay", checks.Keys);
        Assert.DoesNotContain(checks.Keys, name => name != "cache" && name.Contains("Redis", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(checks.Keys, name => name.Contains("RabbitMQ", StringComparison.OrdinalIgnoreCase) || name == "messaging");

        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ConduitDbContext>();
        var connection = new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString());
        Assert.Equal("Api (in-process test)", connection.ApplicationName);
        Assert.Equal(8, connection.MaxPoolSize); // Api/appsettings.json, not Npgsql's 100.
        Assert.True(connection.NoResetOnClose);
        Assert.Equal(30, db.Database.GetCommandTimeout());
        Assert.IsType<NpgsqlRetryingExecutionStrategy>(db.Database.CreateExecutionStrategy());
        Assert.True(await db.Database.CanConnectAsync());
    }

    [Fact]
    public async Task RedisCommandsOfTheApiAppearInItsTraces()
    {
        var redisActivities = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.Contains("Redis", StringComparison.OrdinalIgnoreCase),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => redisActivities.Enqueue(activity.DisplayName),
        };
        ActivitySource.AddActivityListener(listener);
        await using var factory = new ConduitApiFactory(topology.App);
        using var http = factory.CreateClient();
        var redis = factory.Services.GetRequiredService<IConnectionMultiplexer>();
        var key = $"integration-probe-{Guid.NewGuid():N}";

        await redis.GetDatabase().StringSetAsync(key, "1", TimeSpan.FromMinutes(1));
        using var tags = await http.GetAsync("/api/tags");

        // The instrumentation turns profiled commands into spans when it drains its sessions (every few seconds).
        await Eventually.HoldsAsync(() => Task.FromResult(redisActivities.Any(name => name.Contains("SET", StringComparison.OrdinalIgnoreCase))),
            TimeSpan.FromSeconds(30), () => $"a SET span among [{string.Join(", ", redisActivities)}]");
    }
}
