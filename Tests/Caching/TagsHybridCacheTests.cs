using AspireScale.Api.Caching;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AspireScale.Tests.Caching;

// GET /api/tags through each replica's in-process HybridCache (Api/Caching/ReferenceData.cs): a new tag shows everywhere
// within the documented bound, and concurrent misses cost one load.
[Collection(SharedTopology.Name)]
public sealed class TagsHybridCacheTests(SharedTopologyFixture topology) : IDisposable
{
    // ReferenceDataExpiry (2 s by default) plus the replica's replay; the rest is slack for a loaded 2-core machine.
    private static readonly TimeSpan NewTagBound = new CachingOptions().ReferenceDataExpiry + TimeSpan.FromSeconds(6);

    private readonly HttpClient[] clients =
        [topology.App.CreateHttpClient(), topology.App.CreateHttpClient("api", 0), topology.App.CreateHttpClient("api", 1)];

    [Fact]
    public async Task ANewTagShowsThroughTheBalancerAndOnEveryReplicaWithinTheBound()
    {
        // Every replica and the balancer hold a tag list from before the article.
        foreach (var client in clients)
        {
            await new ConduitClient(client).GetOkAsync("/api/tags");
        }

        var author = await new ConduitClient(clients[0]).RegisterAsync("tagger");
        var tag = ConduitClient.UniqueName("hybrid");
        await new ConduitClient(clients[0]).CreateArticleAsync(author, tags: [tag]);
        var written = DateTime.UtcNow;

        foreach (var client in clients)
        {
            while (!await HasTagAsync(client, tag))
            {
                Assert.True(DateTime.UtcNow - written < NewTagBound, $"{client.BaseAddress} did not list the new tag within {NewTagBound.TotalSeconds:0}s.");
                await Task.Delay(100);
            }
        }
    }

    [Fact]
    public async Task ConcurrentMissesLoadOnceAndAnEntryLivesNoLongerThanHalfTheStaleFillGuard()
    {
        var services = new ServiceCollection();
        services.AddHybridCache();
        services.Configure<CachingOptions>(options => options.ReferenceDataDuration = TimeSpan.FromMinutes(1));
        services.AddSingleton<ReferenceData>();
        await using var provider = services.BuildServiceProvider();
        var cache = provider.GetRequiredService<ReferenceData>();
        var loads = 0;
        var release = new TaskCompletionSource();

        var readers = Enumerable.Range(0, 20).Select(_ => cache.GetOrLoadAsync("tags:test", CacheTags.Tags, async ct =>
        {
            Interlocked.Increment(ref loads);
            await release.Task;
            return "loaded";
        }, CancellationToken.None).AsTask()).ToList();
        release.SetResult();

        Assert.All(await Task.WhenAll(readers), value => Assert.Equal("loaded", value));
        Assert.Equal(1, loads);
        var options = provider.GetRequiredService<IOptions<CachingOptions>>().Value;
        Assert.Equal(options.StaleFillGuard / 2, options.ReferenceDataExpiry);
    }

    public void Dispose()
    {
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    private static async Task<bool> HasTagAsync(HttpClient client, string tag) =>
        (await new ConduitClient(client).GetOkAsync("/api/tags")).GetProperty("tags").EnumerateArray().Any(t => t.GetString() == tag);
}
