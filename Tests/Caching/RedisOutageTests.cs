using System.Diagnostics;
using System.Net;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Caching;

// Redis (the shared output cache) dies under a running topology: reads keep answering 200 from the database, and the
// cache is used again once the AppHost has restarted Redis. The balancer's own cache is off, so every hit seen is Redis's.
[Collection(OwnTopology.Name)]
public sealed class RedisOutageTests
{
    private static readonly TimeSpan RecoveryDeadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task ReadsStaySuccessfulWhileRedisIsDownAndCachingResumesWhenItReturns()
    {
        await using var system = await StartWithACachedArticleAsync("outage");
        var (app, http, conduit, author, slug, cache) = system;
        Process.GetProcessById(cache.Pid!.Value).Kill();

        // Every read while Redis is gone (and while it comes back) is a success served by the database.
        var stopwatch = Stopwatch.StartNew();
        var reads = 0;
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(3) || reads < 20)
        {
            using var response = await conduit.GetAsync($"/api/articles/{slug}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            reads++;
        }

        await app.WaitForAsync(
            m => m.Resource("cache").Replicas[0] is { Health: "healthy" } r && r.Pid != cache.Pid, RecoveryDeadline, "cache restarted");
        await OutputCacheTests.WaitForHitAsync(http, $"/api/articles/{slug}");

        // And writes evict again: the edit shows at once to its author.
        using (var edit = await conduit.SendAsync(HttpMethod.Put, $"/api/articles/{slug}", new { article = new { body = "after outage" } }, author.Token))
        {
            await edit.ReadJsonAsync(HttpStatusCode.OK);
        }

        Assert.Equal("after outage", (await conduit.GetOkAsync($"/api/articles/{slug}", author.Token)).GetProperty("article").Str("body"));
    }

    // A Redis that hangs (stopped, or cut off by a partition) for longer than several readiness probes: it answers
    // nothing, so every call waits for a timeout. /health must report Degraded, not Unhealthy, or the AppHost (and
    // Container Apps) would take every replica out of the balancer while the database could serve them all; and a
    // write made meanwhile, which could not evict Redis's entries, must not let them be served once Redis is back.
    [Fact]
    public async Task AHungRedisLeavesEveryReplicaReadyAndItsStaleEntriesAreFlushedWhenItAnswersAgain()
    {
        await using var system = await StartWithACachedArticleAsync("hung");
        var (app, http, conduit, author, slug, cache) = system;
        Signal(cache.Pid!.Value, "STOP");
        try
        {
            // Longer than the AppHost's probe interval (2 s) plus its probe timeout (5 s): enough to have dropped both.
            var stopwatch = Stopwatch.StartNew();
            var reads = 0;
            while (stopwatch.Elapsed < TimeSpan.FromSeconds(12))
            {
                using var response = await conduit.GetAsync($"/api/articles/{slug}");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                // Still limited, by each replica's local limiter.
                Assert.StartsWith("\"general\";r=", response.HeaderValue("RateLimit"), StringComparison.Ordinal);
                reads++;
            }

            using (var edit = await conduit.SendAsync(HttpMethod.Put, $"/api/articles/{slug}", new { article = new { body = "written while Redis hung" } }, author.Token))
            {
                await edit.ReadJsonAsync(HttpStatusCode.OK);
            }

            await app.WaitForReplicaAsync();
            var manifest = await app.RefreshManifestAsync();
            Assert.All(manifest.Resource("api").Replicas, r => Assert.Equal("healthy", r.Health));
            for (var replica = 0; replica < 2; replica++)
            {
                using var direct = app.CreateHttpClient("api", replica);
                using var health = await direct.GetAsync("/health");
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                Assert.Equal("Degraded", await health.Content.ReadAsStringAsync());
            }

            Assert.True(reads >= 10, $"only {reads} reads in 12 s");
        }
        finally
        {
            Signal(cache.Pid!.Value, "CONT");
        }

        // Redis answers again with the entry the write could not evict: it must not be served.
        await OutputCacheTests.WaitForHitAsync(http, $"/api/articles/{slug}");
        Assert.Equal("written while Redis hung", (await conduit.GetOkAsync($"/api/articles/{slug}")).GetProperty("article").Str("body"));
    }

    // Two replicas, the balancer's cache off (so every hit seen is Redis's), and one article already cached in Redis.
    private static async Task<CachedArticle> StartWithACachedArticleAsync(string prefix)
    {
        var app = await DistributedApplicationTestingBuilder.Create("--replicas", "2", "--gateway-cache", "off").StartAsync();
        var http = app.CreateHttpClient();
        try
        {
            var conduit = new ConduitClient(http);
            var author = await conduit.RegisterAsync(prefix);
            var slug = (await conduit.CreateArticleAsync(author)).Str("slug");
            await app.WaitForReplicaAsync();
            await OutputCacheTests.WaitForHitAsync(http, $"/api/articles/{slug}");
            var cache = (await app.RefreshManifestAsync()).Resource("cache").Replicas[0];
            return new CachedArticle(app, http, conduit, author, slug, cache);
        }
        catch
        {
            // The test never gets the system to dispose: stop it here.
            http.Dispose();
            await app.DisposeAsync();
            throw;
        }
    }

    private sealed record CachedArticle(RunningAppHost App, HttpClient Http, ConduitClient Conduit, TestUser Author, string Slug, ReplicaEntry Cache)
        : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await App.DisposeAsync();
        }
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
