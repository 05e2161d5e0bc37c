using System.Net;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Caching;

// The balancer's response cache (Gateway/GatewayResponseCaching.cs) on the shared topology: hits reach no
// replica, every write purges what it made stale, tokens are never served from it, its internal headers stay inside.
[Collection(SharedTopology.Name)]
public sealed class GatewayCacheTests(SharedTopologyFixture topology) : IDisposable
{
    private const string ArticleRoute = "/api/articles/{slug}";

    // A write straight to a replica reaches the balancer over Redis pub/sub: milliseconds, plus the replica's replay.
    private static readonly TimeSpan DirectWriteBound = TimeSpan.FromSeconds(5);

    private readonly HttpClient gateway = topology.App.CreateHttpClient();
    private readonly HttpClient replica = topology.App.CreateHttpClient("api", 0);

    private ConduitClient Gateway => new(gateway);

    [Fact]
    public async Task AnAnonymousReadIsAMissThenAHitThatReachesNoReplica()
    {
        var (author, slug) = await NewArticleAsync();
        var path = $"/api/articles/{slug}";
        using (var first = await Gateway.GetAsync(path))
        {
            await first.ReadJsonAsync(HttpStatusCode.OK);
            Assert.Equal("MISS", GatewayProbes.Verdict(first));
        }

        await GatewayProbes.WaitForGatewayHitAsync(gateway, path);
        var before = await topology.App.ReplicaRequestsAsync(ArticleRoute);

        for (var i = 0; i < 5; i++)
        {
            using var hit = await Gateway.GetAsync(path);
            Assert.Equal(slug, (await hit.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("article").Str("slug"));
            Assert.Equal("HIT", GatewayProbes.Verdict(hit));
            Assert.NotNull(hit.Headers.Age);
        }

        // One read with a token passes the cache: the counter moves by exactly that one request, not by the five hits.
        using (var bypass = await Gateway.GetAsync(path, author.Token))
        {
            await bypass.ReadJsonAsync(HttpStatusCode.OK);
        }

        Assert.Equal(before + 1, await topology.App.ReplicaRequestsAsync(ArticleRoute));
    }

    [Fact]
    public async Task AnArticleEditThroughTheBalancerIsOnTheNextAnonymousRead()
    {
        var (author, slug) = await NewArticleAsync();
        var path = $"/api/articles/{slug}";
        await GatewayProbes.WaitForGatewayHitAsync(gateway, path);

        using (var edit = await Gateway.SendAsync(HttpMethod.Put, path, new { article = new { body = "edited at the edge" } }, author.Token))
        {
            await edit.ReadJsonAsync(HttpStatusCode.OK);
        }

        Assert.Equal("edited at the edge", (await ReadAfterWriteAsync(path)).GetProperty("article").Str("body"));
    }

    [Fact]
    public async Task AFavoriteThroughTheBalancerIsOnTheNextAnonymousRead()
    {
        var (_, slug) = await NewArticleAsync();
        var fan = await Gateway.RegisterAsync("edgefan");
        var path = $"/api/articles/{slug}";
        await GatewayProbes.WaitForGatewayHitAsync(gateway, path);

        await Gateway.FavoriteAsync(fan, slug);

        Assert.Equal(1, (await ReadAfterWriteAsync(path)).GetProperty("article").GetProperty("favoritesCount").GetInt32());
    }

    [Fact]
    public async Task ACommentThroughTheBalancerIsOnTheNextAnonymousRead()
    {
        var (author, slug) = await NewArticleAsync();
        var path = $"/api/articles/{slug}/comments";
        await GatewayProbes.WaitForGatewayHitAsync(gateway, path);

        await Gateway.CommentAsync(author, slug, "said at the edge");

        var comments = (await ReadAfterWriteAsync(path)).GetProperty("comments");
        Assert.Equal("said at the edge", Assert.Single(comments.EnumerateArray()).Str("body"));
    }

    [Fact]
    public async Task AUserUpdateThroughTheBalancerIsOnTheNextAnonymousReadOfTheirArticle()
    {
        var (author, slug) = await NewArticleAsync();
        var path = $"/api/articles/{slug}";
        await GatewayProbes.WaitForGatewayHitAsync(gateway, path);

        using (var update = await Gateway.SendAsync(HttpMethod.Put, "/api/user", new { user = new { bio = "bio from the edge" } }, author.Token))
        {
            await update.ReadJsonAsync(HttpStatusCode.OK);
        }

        Assert.Equal("bio from the edge", (await ReadAfterWriteAsync(path)).GetProperty("article").GetProperty("author").Str("bio"));
    }

    [Fact]
    public async Task AWriteStraightToAReplicaReachesTheBalancerWithinTheBound()
    {
        var (author, slug) = await NewArticleAsync();
        var path = $"/api/articles/{slug}";
        await GatewayProbes.WaitForGatewayHitAsync(gateway, path);

        using (var edit = await new ConduitClient(replica).SendAsync(HttpMethod.Put, path, new { article = new { body = "edited behind the balancer" } }, author.Token))
        {
            await edit.ReadJsonAsync(HttpStatusCode.OK);
        }

        var deadline = DateTime.UtcNow + DirectWriteBound;
        while (true)
        {
            var body = (await Gateway.GetOkAsync(path)).GetProperty("article").Str("body");
            if (body == "edited behind the balancer")
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The balancer still answered the old article {DirectWriteBound.TotalSeconds:0}s after a write on a replica.");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task AReadWithATokenIsNeverServedFromTheBalancersCache()
    {
        var (_, slug) = await NewArticleAsync();
        var fan = await Gateway.RegisterAsync("tokenfan");
        await Gateway.FavoriteAsync(fan, slug);
        await topology.App.WaitForReplicaAsync();
        var path = $"/api/articles/{slug}";
        await GatewayProbes.WaitForGatewayHitAsync(gateway, path);

        // The cached anonymous answer says favorited: false; the fan's own must say true, from a replica.
        using var response = await Gateway.GetAsync(path, fan.Token);

        Assert.True((await response.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("article").GetProperty("favorited").GetBoolean());
        Assert.NotEqual("HIT", GatewayProbes.Verdict(response));
        Assert.True(response.Headers.CacheControl!.Private);
    }

    [Fact]
    public async Task ABrowserGetsTheCorsHeaderFromAHitStoredFromARequestWithoutAnOrigin()
    {
        var (_, slug) = await NewArticleAsync();
        var path = $"/api/articles/{slug}";
        await GatewayProbes.WaitForGatewayHitAsync(gateway, path);

        // The entry was filled by requests without Origin; a browser's request, keyed the same, must still be allowed.
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Origin", "http://localhost:4200");
        using var hit = await gateway.SendAsync(request);

        Assert.Equal("HIT", GatewayProbes.Verdict(hit));
        Assert.Equal("*", hit.HeaderValue("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task SurrogateKeysNeverReachTheClient()
    {
        var (author, slug) = await NewArticleAsync();
        var path = $"/api/articles/{slug}";

        // The Api does send them (straight from a replica), so their absence below is the balancer's doing.
        using (var direct = await new ConduitClient(replica).GetAsync(path))
        {
            Assert.Contains($"article%3A{slug}", string.Join(" ", direct.Headers.GetValues("Surrogate-Key")));
        }

        await GatewayProbes.WaitForGatewayHitAsync(gateway, path);
        using var miss = await Gateway.GetAsync($"/api/articles?author={author.Username}");
        using var hit = await Gateway.GetAsync(path);
        using var notModified = await ConditionalGetAsync(path, hit.Headers.ETag!.Tag);
        using var write = await Gateway.SendAsync(HttpMethod.Put, path, new { article = new { description = "changed" } }, author.Token);
        using var head = await gateway.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        foreach (var response in new[] { miss, hit, notModified, write, head })
        {
            foreach (var header in GatewayProbes.InternalHeaders)
            {
                Assert.False(response.Headers.Contains(header), $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri} leaked {header}.");
            }
        }
    }

    [Fact]
    public async Task AMatchingIfNoneMatchIsAnswered304ByTheBalancer()
    {
        var (_, slug) = await NewArticleAsync();
        var path = $"/api/articles/{slug}";
        await GatewayProbes.WaitForGatewayHitAsync(gateway, path);
        using var full = await Gateway.GetAsync(path);
        var etag = full.Headers.ETag!.Tag;

        using var response = await ConditionalGetAsync(path, etag);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal("HIT", GatewayProbes.Verdict(response));
        Assert.Equal(etag, response.Headers.ETag?.Tag);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        using var other = await ConditionalGetAsync(path, "\"not-the-etag\"");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal("HIT", GatewayProbes.Verdict(other));
    }

    public void Dispose()
    {
        gateway.Dispose();
        replica.Dispose();
    }

    private async Task<(TestUser Author, string Slug)> NewArticleAsync()
    {
        var author = await Gateway.RegisterAsync("edge");
        var slug = (await Gateway.CreateArticleAsync(author)).Str("slug");
        await topology.App.WaitForReplicaAsync();
        return (author, slug);
    }

    // The first anonymous read after a write, through the balancer. Anonymous reads go to the database replica, so the
    // test first waits for it to replay the write (the database's lag, not the cache's); the balancer must then not
    // answer from its cache.
    private async Task<System.Text.Json.JsonElement> ReadAfterWriteAsync(string path)
    {
        await topology.App.WaitForReplicaAsync();
        using var response = await Gateway.GetAsync(path);
        Assert.NotEqual("HIT", GatewayProbes.Verdict(response));
        return await response.ReadJsonAsync(HttpStatusCode.OK);
    }

    private async Task<HttpResponseMessage> ConditionalGetAsync(string path, string etag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        return await gateway.SendAsync(request);
    }
}
