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
        await using var app = await DistributedApplicationTestingBuilder.Create("--replicas", "2", "--gateway-cache", "off").StartAsync();
        using var http = app.CreateHttpClient();
        var conduit = new ConduitClient(http);
        var author = await conduit.RegisterAsync("outage");
        var slug = (await conduit.CreateArticleAsync(author)).Str("slug");
        await app.WaitForReplicaAsync();
        await OutputCacheTests.WaitForHitAsync(http, $"/api/articles/{slug}");

        var cache = (await app.RefreshManifestAsync()).Resource("cache").Replicas[0];
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
}
