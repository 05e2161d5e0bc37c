using System.Net;
using System.Text.Json;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Caching;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Versioning;

// /api stays the RealWorld spec (v1), the extensions live under /api/v2, each has its own OpenAPI document, and the
// v2 reads are cached and invalidated like their v1 twins.
[Collection(SharedTopology.Name)]
public sealed class VersioningTests(SharedTopologyFixture topology, InProcessApi api) : IClassFixture<InProcessApi>, IDisposable
{
    private static readonly string[] V2Paths =
        ["/api/v2/articles", "/api/v2/articles/feed", "/api/v2/articles/{slug}", "/api/v2/exports", "/api/v2/jobs/{id}", "/api/v2/notifications"];

    private readonly HttpClient gateway = topology.App.CreateHttpClient();
    private readonly HttpClient inProcess = api.For(topology.App).CreateClient();

    [Fact]
    public async Task V1ListsIgnoreTheV2ParametersAndKeepTheirCountAndOffsetPaging()
    {
        var conduit = new ConduitClient(gateway);
        var author = await conduit.RegisterAsync("v1");
        await conduit.CreateArticleAsync(author);
        await conduit.CreateArticleAsync(author);
        await topology.App.WaitForReplicaAsync();

        var list = await conduit.GetOkAsync($"/api/articles?author={author.Username}&limit=1&fields=slug&cursor=garbage");

        Assert.Equal(2, list.GetProperty("articlesCount").GetInt32());
        Assert.False(list.TryGetProperty("nextCursor", out _));
        var article = Assert.Single(list.GetProperty("articles").EnumerateArray());
        Assert.True(article.TryGetProperty("description", out _), "v1 must not apply ?fields=");
        using var tooMany = await conduit.GetAsync("/api/articles?limit=101");
        Assert.Equal(["limit"], (await tooMany.AssertErrorsAsync(HttpStatusCode.UnprocessableEntity)).EnumerateObject().Select(e => e.Name));
    }

    [Fact]
    public async Task TheV1DocumentHasOnlyTheSpecRoutesAndTheV2DocumentOnlyTheExtensions()
    {
        var v1 = await PathsAsync("/openapi/v1.json");
        var v2 = await PathsAsync("/openapi/v2.json");

        Assert.Contains("/api/articles", v1);
        Assert.Contains("/api/articles/{slug}", v1);
        Assert.Contains("/api/articles/feed", v1);
        Assert.Contains("/api/users/login", v1);
        Assert.DoesNotContain(v1, path => path.StartsWith("/api/v2", StringComparison.Ordinal));
        Assert.All(V2Paths, path => Assert.Contains(path, v2));
        Assert.All(v2, path => Assert.StartsWith("/api/v2/", path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheV2DocumentDescribesCursorAndFieldsAndScalarListsBothDocuments()
    {
        using var response = await inProcess.GetAsync("/openapi/v2.json");
        var document = await response.ReadJsonAsync(HttpStatusCode.OK);
        var list = document.GetProperty("paths").GetProperty("/api/v2/articles").GetProperty("get");
        var parameters = list.GetProperty("parameters").EnumerateArray().Select(p => p.Str("name")).ToArray();
        Assert.Equal("GetArticlesV2", list.Str("operationId"));
        Assert.Contains("cursor", parameters);
        Assert.Contains("fields", parameters);
        Assert.DoesNotContain("offset", parameters);

        // The in-process Api runs as Development, where the Scalar UI is mapped.
        var scalar = await inProcess.GetStringAsync("/scalar/");
        Assert.Contains("\"url\":\"openapi/v1.json\"", scalar, StringComparison.Ordinal);
        Assert.Contains("\"url\":\"openapi/v2.json\"", scalar, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CachedV2ReadsSeeEditsAndNewArticlesAtOnce()
    {
        var conduit = new ConduitClient(gateway);
        var author = await conduit.RegisterAsync("v2cache");
        var slug = (await conduit.CreateArticleAsync(author, body: "old body")).Str("slug");
        await topology.App.WaitForReplicaAsync();
        var listPath = $"/api/v2/articles?author={author.Username}&fields=slug";
        var articlePath = $"/api/v2/articles/{slug}?fields=body";
        using var replica = topology.App.CreateHttpClient("api", 0);
        await OutputCacheTests.WaitForHitAsync(replica, listPath);
        await OutputCacheTests.WaitForHitAsync(replica, articlePath);

        using (var edit = await conduit.SendAsync(HttpMethod.Put, $"/api/articles/{slug}", new { article = new { body = "new body" } }, author.Token))
        {
            await edit.ReadJsonAsync(HttpStatusCode.OK);
        }

        var fresh = (await conduit.CreateArticleAsync(author)).Str("slug");
        await topology.App.WaitForReplicaAsync();

        Assert.Equal("new body", (await new ConduitClient(replica).GetOkAsync(articlePath)).GetProperty("article").Str("body"));
        Assert.Equal([fresh, slug], (await new ConduitClient(replica).GetOkAsync(listPath)).Slugs());
    }

    [Fact]
    public async Task TheKeysetConditionIsAnIndexRangeWithNoSort()
    {
        // The shape EF sends for a v2 page, planned on the primary. Sequential and bitmap
        // scans (which on a small test table beat an ordered index walk) are off: what must hold is that an index delivers
        // the order with the cursor as its range condition, which is the plan the seeded 20,000-article benchmark gets.
        await using var connection = await topology.App.Primary().OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var off = new Npgsql.NpgsqlCommand("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off", connection, transaction))
        {
            await off.ExecuteNonQueryAsync();
        }

        foreach (var where in new[] { "", "author_id = 1 AND " })
        {
            await using var explain = new Npgsql.NpgsqlCommand(
                $"EXPLAIN (FORMAT JSON) SELECT id, slug FROM articles WHERE {where}(created_at, id) < ($1, $2) ORDER BY created_at DESC, id DESC LIMIT 21",
                connection, transaction);
            explain.Parameters.Add(new Npgsql.NpgsqlParameter { Value = DateTime.UtcNow });
            explain.Parameters.Add(new Npgsql.NpgsqlParameter { Value = 1_000_000L });
            var plan = (string)(await explain.ExecuteScalarAsync())!;

            Assert.DoesNotContain("\"Sort\"", plan, StringComparison.Ordinal);
            Assert.Matches("\"Index Name\": \"ix_articles_(author_id_)?created_at_id\"", plan);
            Assert.Matches("\"Index Cond\": \"[^\"]*ROW\\(created_at, id\\) <", plan);
        }
    }

    public void Dispose()
    {
        gateway.Dispose();
        inProcess.Dispose();
    }

    private async Task<HashSet<string>> PathsAsync(string url)
    {
        using var response = await gateway.GetAsync(url);
        var document = await response.ReadJsonAsync(HttpStatusCode.OK);
        return [.. document.GetProperty("paths").EnumerateObject().Select(p => p.Name)];
    }
}
