extern alias gateway;
using AspireScale.Tests.Infrastructure;
using gateway::AspireScale.Gateway;
using Microsoft.Extensions.Primitives;

namespace AspireScale.Tests.Caching;

// The balancer's response store (Gateway/GatewayCache.cs) as pure logic, on a clock the test moves.
public sealed class GatewayCacheStoreTests
{
    private static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(60);

    [Fact]
    public void EntriesThatExpiredAreDroppedAsNewOnesAreStoredEvenIfNobodyAsksForThemAgain()
    {
        var clock = new ManualClock();
        var cache = new GatewayCache(clock);
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(cache.TryStore(Entry(clock, $"/api/articles/old-{i}"), clock.GetTimestamp()));
        }

        clock.Advance(FreshFor + TimeSpan.FromSeconds(1));
        cache.TryStore(Entry(clock, "/api/articles/new"), clock.GetTimestamp());

        // The thousand dead entries are gone at the next store, not kept until the budget pushes them out.
        Assert.Equal(1, cache.Count);
        Assert.NotNull(cache.Get("/api/articles/new"));
    }

    [Fact]
    public void AFreshEntryAtTheLeastRecentlyUsedEndStopsTheSweepAndStaysServable()
    {
        var clock = new ManualClock();
        var cache = new GatewayCache(clock);
        cache.TryStore(Entry(clock, "/api/tags", freshFor: TimeSpan.FromMinutes(10)), clock.GetTimestamp());
        cache.TryStore(Entry(clock, "/api/articles/a"), clock.GetTimestamp());

        clock.Advance(FreshFor + TimeSpan.FromSeconds(1));
        cache.TryStore(Entry(clock, "/api/articles/b"), clock.GetTimestamp());

        // The long-lived entry was the oldest: the sweep stops there, and the expired one behind it waits for its own read.
        Assert.NotNull(cache.Get("/api/tags"));
        Assert.Null(cache.Get("/api/articles/a"));
        Assert.NotNull(cache.Get("/api/articles/b"));
        Assert.Equal(2, cache.Count);
    }

    // Stored now, by the clock.
    private static GatewayCacheEntry Entry(ManualClock clock, string key, TimeSpan? freshFor = null) =>
        new(key, new byte[100], [new("Content-Type", new StringValues("application/json"))], null, ["article"], clock.GetTimestamp(), TimeSpan.Zero, freshFor ?? FreshFor);
}
