using AspireScale.Api.Caching;
using AspireScale.Tests.Infrastructure;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.AspNetCore.OutputCaching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace AspireScale.Tests.Caching;

// RedisTagEviction against the real output cache store (Microsoft.AspNetCore.OutputCaching.StackExchangeRedis) on the
// shared topology's Redis: it reads that store's key layout, so these fail if a new version of the store changes it.
// Each store gets its own InstanceName, so the tests see only their own entries.
[Collection(SharedTopology.Name)]
public sealed class RedisTagEvictionTests(SharedTopologyFixture topology) : IAsyncLifetime
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    private readonly string instance = $"eviction-test-{Guid.NewGuid():N}:";
    private ConnectionMultiplexer redis = null!;

    public async Task InitializeAsync() => redis = await ConnectionMultiplexer.ConnectAsync(topology.App.GetConnectionString("cache"));

    public async Task DisposeAsync() => await redis.DisposeAsync();

    [Fact]
    public async Task OneCallEvictsTheEntriesOfEveryTagGivenAndNoOther()
    {
        var (store, provider) = Store();
        await using var _ = provider;
        await store.SetAsync("a", [1], ["article:x", "users"], Lifetime, default);
        await store.SetAsync("b", [2], ["lists", "users"], Lifetime, default);
        await store.SetAsync("c", [3], ["comments:x"], Lifetime, default);
        await store.SetAsync("d", [4], ["profile:y"], Lifetime, default);

        await store.EvictByTagsAsync(["article:x", "comments:x", "lists"]);

        Assert.Null(await store.GetAsync("a", default));
        Assert.Null(await store.GetAsync("b", default));
        Assert.Null(await store.GetAsync("c", default));
        Assert.Equal([4], await store.GetAsync("d", default));
        Assert.False(await redis.GetDatabase().KeyExistsAsync($"{instance}__MSOCT_lists"));
    }

    [Fact]
    public async Task ATagWithMoreEntriesThanOneBatchIsEmptied()
    {
        var (store, provider) = Store();
        await using var _ = provider;
        var count = RedisTagEviction.Batch * 2 + 1;
        for (var i = 0; i < count; i++)
        {
            await store.SetAsync($"entry-{i}", [1], ["lists"], Lifetime, default);
        }

        Assert.Equal(count, await redis.GetDatabase().SortedSetLengthAsync($"{instance}__MSOCT_lists"));

        await store.EvictByTagsAsync(["lists"]);

        Assert.Equal(0, await redis.GetDatabase().SortedSetLengthAsync($"{instance}__MSOCT_lists"));
        var server = redis.GetServers().Single();
        Assert.Empty(server.Keys(pattern: $"{instance}__MSOCV_*").ToList());
    }

    [Fact]
    public async Task AnotherReplicaDoesNotStoreAnEntryWithATagEvictedInThatCallUntilTheGuardHasPassed()
    {
        var (store, provider) = Store();
        var (otherReplica, otherProvider) = Store();
        await using var _ = provider;
        await using var __ = otherProvider;

        await store.EvictByTagsAsync(["article:z", "lists"]);

        // The other store has no local record of the eviction: only the mark the script set in Redis can hold it off.
        await otherReplica.SetAsync("late", [9], ["lists", "users"], Lifetime, default);
        await otherReplica.SetAsync("unrelated", [8], ["profile:q"], Lifetime, default);

        Assert.Null(await otherReplica.GetAsync("late", default));
        Assert.Equal([8], await otherReplica.GetAsync("unrelated", default));
    }

    // As the Api builds it (CachingExtensions): the Redis store inside ResilientOutputCacheStore, with RedisTagEviction.
    private (ResilientOutputCacheStore Store, ServiceProvider Provider) Store()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<CachingOptions>();
        // A connection of its own, as each replica has: the store closes its connection when it is disposed.
        services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(topology.App.GetConnectionString("cache")));
        services.AddStackExchangeRedisOutputCache(options => options.InstanceName = instance);
        services.AddOptions<RedisOutputCacheOptions>().Configure<IServiceProvider>((options, sp) =>
            options.ConnectionMultiplexerFactory = () => Task.FromResult(sp.GetRequiredService<IConnectionMultiplexer>()));
        services.AddSingleton<RedisTagEviction>();
        var provider = services.BuildServiceProvider();
        var inner = provider.GetRequiredService<IOutputCacheStore>();
        return (ActivatorUtilities.CreateInstance<ResilientOutputCacheStore>(provider, inner), provider);
    }
}
