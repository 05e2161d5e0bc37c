using AspireScale.Api.Caching;
using AspireScale.Tests.Infrastructure;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.AspNetCore.OutputCaching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace AspireScale.Tests.Caching;

// RedisTagEviction against the real output cache store (Microsoft.AspNetCore.OutputCaching.StackExchangeRedis) on the
// shared topology's Redis: it reads that store's key layout, so these fail if a new version of the store changes it.
// Each test has an InstanceName and tag names of its own (the stale-fill marks are not under the InstanceName), so it sees
// neither the Api's entries and marks nor another test's.
[Collection(SharedTopology.Name)]
public sealed class RedisTagEvictionTests(SharedTopologyFixture topology) : IAsyncLifetime
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    private readonly string instance = $"eviction-test-{Guid.NewGuid():N}:";
    private readonly string id = Guid.NewGuid().ToString("N");
    private ConnectionMultiplexer redis = null!;

    public async Task InitializeAsync() =>
        redis = await ConnectionMultiplexer.ConnectAsync(topology.App.GetConnectionString("cache") + ",allowAdmin=true");

    public async Task DisposeAsync() => await redis.DisposeAsync();

    [Fact]
    public async Task OneCallEvictsTheEntriesOfEveryTagGivenAndNoOther()
    {
        var (store, provider) = Store();
        await using var _ = provider;
        await FillAsync(store);

        await store.EvictByTagsAsync([Tag("article"), Tag("comments"), Tag("lists")]);

        await AssertOnlyTheUntouchedEntryRemainsAsync(store);
        Assert.False(await redis.GetDatabase().KeyExistsAsync($"{instance}__MSOCT_{Tag("lists")}"));
    }

    [Fact]
    public async Task ATagWithMoreEntriesThanOneBatchIsEmptied()
    {
        var (store, provider) = Store();
        await using var _ = provider;
        var count = RedisTagEviction.Batch * 2 + 1;
        for (var i = 0; i < count; i++)
        {
            await store.SetAsync($"entry-{i}", [1], [Tag("lists")], Lifetime, default);
        }

        Assert.Equal(count, await redis.GetDatabase().SortedSetLengthAsync($"{instance}__MSOCT_{Tag("lists")}"));

        await store.EvictByTagsAsync([Tag("lists")]);

        Assert.Equal(0, await redis.GetDatabase().SortedSetLengthAsync($"{instance}__MSOCT_{Tag("lists")}"));
        Assert.Empty(redis.GetServers().Single().Keys(pattern: $"{instance}__MSOCV_*").ToList());
    }

    [Fact]
    public async Task AnotherReplicaDoesNotStoreAnEntryWithATagEvictedInThatCall()
    {
        var (store, provider) = Store();
        var (otherReplica, otherProvider) = Store();
        await using var _ = provider;
        await using var __ = otherProvider;

        await store.EvictByTagsAsync([Tag("article"), Tag("lists")]);

        // The other store has no local record of the eviction: only the mark the script set in Redis can hold it off.
        await otherReplica.SetAsync("late", [9], [Tag("lists"), Tag("users")], Lifetime, default);
        await otherReplica.SetAsync("unrelated", [8], [Tag("profile")], Lifetime, default);

        Assert.Null(await otherReplica.GetAsync("late", default));
        Assert.Equal([8], await otherReplica.GetAsync("unrelated", default));
    }

    [Fact]
    public async Task ARedisThatRefusesTheScriptGetsTheStoresOwnEvictionInstead()
    {
        // A Redis user that may do everything but run scripts: Redis answers the script with an error every time, as a
        // sharded Redis answers a script whose keys span slots.
        var user = $"no-scripts-{id}";
        var password = Guid.NewGuid().ToString("N");
        var server = redis.GetServers().Single();
        await server.ExecuteAsync("ACL", "SETUSER", user, "on", $">{password}", "~*", "&*", "+@all", "-@scripting");
        try
        {
            var options = ConfigurationOptions.Parse(topology.App.GetConnectionString("cache"));
            options.User = user;
            options.Password = password;
            var (store, provider) = Store(options);
            await using var _ = provider;
            var eviction = provider.GetRequiredService<RedisTagEviction>();
            await FillAsync(store);

            await store.EvictByTagsAsync([Tag("article"), Tag("comments"), Tag("lists")]);

            Assert.True(eviction.Refused);
            await AssertOnlyTheUntouchedEntryRemainsAsync(store);
            Assert.True(await redis.GetDatabase().KeyExistsAsync(ResilientOutputCacheStore.EvictionKey(Tag("lists"))));
        }
        finally
        {
            await server.ExecuteAsync("ACL", "DELUSER", user);
        }
    }

    private string Tag(string kind) => $"{kind}:{id}";

    private async Task FillAsync(ResilientOutputCacheStore store)
    {
        await store.SetAsync("a", [1], [Tag("article"), Tag("users")], Lifetime, default);
        await store.SetAsync("b", [2], [Tag("lists"), Tag("users")], Lifetime, default);
        await store.SetAsync("c", [3], [Tag("comments")], Lifetime, default);
        await store.SetAsync("d", [4], [Tag("profile")], Lifetime, default);
        foreach (var (key, value) in new[] { ("a", 1), ("b", 2), ("c", 3), ("d", 4) })
        {
            Assert.Equal([(byte)value], await store.GetAsync(key, default) ?? []);
        }
    }

    private static async Task AssertOnlyTheUntouchedEntryRemainsAsync(ResilientOutputCacheStore store)
    {
        Assert.Null(await store.GetAsync("a", default));
        Assert.Null(await store.GetAsync("b", default));
        Assert.Null(await store.GetAsync("c", default));
        Assert.Equal([4], await store.GetAsync("d", default));
    }

    // As the Api builds it (CachingExtensions): the Redis store inside ResilientOutputCacheStore, with RedisTagEviction.
    private (ResilientOutputCacheStore Store, ServiceProvider Provider) Store(ConfigurationOptions? connection = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<CachingOptions>();
        // A connection of its own, as each replica has: the store closes its connection when it is disposed.
        services.AddSingleton<IConnectionMultiplexer>(_ =>
            ConnectionMultiplexer.Connect(connection ?? ConfigurationOptions.Parse(topology.App.GetConnectionString("cache"))));
        services.AddStackExchangeRedisOutputCache(options => options.InstanceName = instance);
        services.AddOptions<RedisOutputCacheOptions>().Configure<IServiceProvider>((options, sp) =>
            options.ConnectionMultiplexerFactory = () => Task.FromResult(sp.GetRequiredService<IConnectionMultiplexer>()));
        services.AddSingleton<RedisTagEviction>();
        var provider = services.BuildServiceProvider();
        var inner = provider.GetRequiredService<IOutputCacheStore>();
        return (ActivatorUtilities.CreateInstance<ResilientOutputCacheStore>(provider, inner), provider);
    }
}
