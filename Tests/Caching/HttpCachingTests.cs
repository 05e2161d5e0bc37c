using System.Net;
using System.Net.Http.Headers;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Caching;

// ETag, If-None-Match, Cache-Control and Vary, through the balancer (what a browser or CDN sees).
[Collection(SharedTopology.Name)]
public sealed class HttpCachingTests(SharedTopologyFixture topology) : IDisposable
{
    private readonly HttpClient http = topology.App.CreateHttpClient();

    private ConduitClient Conduit => new(http);

    [Fact]
    public async Task AMatchingIfNoneMatchGetsA304WithNoBodyOnAMissAndOnAHit()
    {
        var slug = await NewArticleAsync();
        var etag = await EtagAsync($"/api/articles/{slug}");
        Assert.False(etag.IsWeak);

        // The first conditional request may be answered by the endpoint (a miss), later ones by the output cache.
        for (var i = 0; i < 3; i++)
        {
            using var response = await SendAsync($"/api/articles/{slug}", etag.Tag);
            Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }

        await OutputCacheTests.WaitForHitAsync(http, $"/api/articles/{slug}");
        using var hit = await SendAsync($"/api/articles/{slug}", etag.Tag);
        Assert.Equal(HttpStatusCode.NotModified, hit.StatusCode);
    }

    // Every cacheable read, not only the article: a strong ETag that revalidates to an empty 304.
    [Fact]
    public async Task EveryCacheableReadHasAStrongEtagThatRevalidatesTo304()
    {
        var author = await Conduit.RegisterAsync("etags");
        var slug = (await Conduit.CreateArticleAsync(author, tags: ["etagged"])).Str("slug");
        await Conduit.CommentAsync(author, slug, "revalidated");
        await topology.App.WaitForReplicaAsync();

        string[] paths = ["/api/tags", $"/api/profiles/{author.Username}", $"/api/articles/{slug}/comments",
            $"/api/articles?author={author.Username}", $"/api/articles/{slug}", $"/api/v2/articles?author={author.Username}"];
        foreach (var path in paths)
        {
            var etag = await EtagAsync(path);
            Assert.False(etag.IsWeak, path);
            using var response = await SendAsync(path, etag.Tag);
            Assert.True(HttpStatusCode.NotModified == response.StatusCode, $"{path}: {(int)response.StatusCode}");
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task AnEditChangesTheEtagSoTheOldOneGetsTheNewBody()
    {
        var author = await Conduit.RegisterAsync("etag");
        var slug = (await Conduit.CreateArticleAsync(author)).Str("slug");
        await topology.App.WaitForReplicaAsync();
        var before = await EtagAsync($"/api/articles/{slug}");

        using (var edit = await Conduit.SendAsync(HttpMethod.Put, $"/api/articles/{slug}", new { article = new { body = "edited" } }, author.Token))
        {
            await edit.ReadJsonAsync(HttpStatusCode.OK);
        }

        await topology.App.WaitForReplicaAsync();
        using var response = await SendAsync($"/api/articles/{slug}", before.Tag);
        var article = (await response.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("article");
        Assert.Equal("edited", article.Str("body"));
        Assert.NotEqual(before.Tag, response.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task AnonymousReadsArePublicForSharedCachesAndVaryByAuthorization()
    {
        var slug = await NewArticleAsync();

        using var response = await Conduit.GetAsync($"/api/articles/{slug}");

        var cacheControl = response.Headers.CacheControl!;
        Assert.True(cacheControl.Public);
        Assert.True(cacheControl.SharedMaxAge > TimeSpan.Zero);
        Assert.Equal(TimeSpan.Zero, cacheControl.MaxAge);
        Assert.Contains("Authorization", response.Headers.Vary);
    }

    [Fact]
    public async Task ReadsWithATokenArePrivate()
    {
        var reader = await Conduit.RegisterAsync("private");

        using var response = await Conduit.GetAsync("/api/articles?limit=1", reader.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl!.Private);
        Assert.False(response.Headers.CacheControl.Public);
        Assert.NotNull(response.Headers.ETag);
    }

    [Fact]
    public async Task TheCurrentUserIsNeverStored()
    {
        var user = await Conduit.RegisterAsync("nostore");

        using var response = await Conduit.GetAsync("/api/user", user.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl!.NoStore);
        Assert.Null(response.Headers.ETag);
    }

    [Fact]
    public async Task HeadGetsWhatGetGetsWithoutTheBodyFromEveryReplicaAndTheBalancer()
    {
        var slug = await NewArticleAsync();
        var path = $"/api/articles/{slug}";
        var etag = await EtagAsync(path);

        // Every server must answer HEAD (RFC 9110 9.1): the balancer's cache answers it from a stored GET, so a replica
        // answering 405 would make the same request succeed or fail by cache state.
        foreach (var endpoint in new[] { topology.App.GatewayUrl, Endpoint("api", 0), Endpoint("api", 1) })
        {
            // One connection: a body sent after the HEAD's headers would be read as the start of the GET's answer.
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = endpoint };
            using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
            using var get = await new ConduitClient(client).GetAsync(path);

            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(etag.Tag, head.Headers.ETag?.Tag);
            Assert.True(head.Content.Headers.ContentLength > 0);
            Assert.Equal(slug, (await get.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("article").Str("slug"));
            Assert.Equal(etag.Tag, get.Headers.ETag?.Tag);
        }

        using var request = new HttpRequestMessage(HttpMethod.Head, "/api/articles/no-such-article-" + Guid.NewGuid().ToString("N"));
        using var missing = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task AnAnswerWithNoContentIsSentWithoutAnErrorOnTheServer()
    {
        var author = await Conduit.RegisterAsync("nocontent");
        using var replica = topology.App.CreateHttpClient("api", 0);
        var direct = new ConduitClient(replica);
        var before = await PrometheusScrape.SumAsync(replica, ServerExceptions);

        for (var i = 0; i < 3; i++)
        {
            var slug = (await direct.CreateArticleAsync(author)).Str("slug");
            using var deleted = await direct.SendAsync(HttpMethod.Delete, $"/api/articles/{slug}", null, author.Token);
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        // A 204 must not have its (empty) body written: Kestrel throws for that, after the client has its answer, and
        // the exception handler counts it.
        Assert.Equal(Math.Max(0, before), Math.Max(0, await PrometheusScrape.SumAsync(replica, ServerExceptions)));
    }

    public void Dispose() => http.Dispose();

    // ASP.NET Core's count of exceptions that reached its exception handler (Microsoft.AspNetCore.Diagnostics).
    private const string ServerExceptions = "aspnetcore_diagnostics_exceptions_total";

    private Uri Endpoint(string resource, int replica) => new(topology.App.Manifest.Resource(resource).Replicas[replica].Endpoint!);

    private async Task<string> NewArticleAsync()
    {
        var author = await Conduit.RegisterAsync("http");
        var slug = (await Conduit.CreateArticleAsync(author)).Str("slug");
        await topology.App.WaitForReplicaAsync();
        return slug;
    }

    private async Task<EntityTagHeaderValue> EtagAsync(string path)
    {
        using var response = await Conduit.GetAsync(path);
        await response.ReadJsonAsync(HttpStatusCode.OK);
        return response.Headers.ETag ?? throw new Xunit.Sdk.XunitException($"GET {path} has no ETag.");
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string ifNoneMatch)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        return await http.SendAsync(request);
    }
}
