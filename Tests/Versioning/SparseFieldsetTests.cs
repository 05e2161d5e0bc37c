using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Versioning;

// ?fields= on the v2 reads: the JSON holds only what was asked for, and so does the SELECT. The Api runs in-process
// (on the shared topology's databases) so SqlCommandCounter can read the SQL each request sends.
[Collection(SharedTopology.Name)]
public sealed class SparseFieldsetTests(SharedTopologyFixture topology, InProcessApi api) : IClassFixture<InProcessApi>
{
    private readonly HttpClient http = api.For(topology.App).CreateClient();

    [Fact]
    public async Task AListWithFieldsReturnsOnlyThoseMembersAndItsSqlSelectsNeitherBodyNorDescription()
    {
        var conduit = new ConduitClient(http);
        var author = await conduit.RegisterAsync("sparse");
        await conduit.CreateArticleAsync(author, body: "the body text");
        await conduit.CreateArticleAsync(author, body: "the body text");
        await topology.App.WaitForReplicaAsync();

        var (page, sql) = await GetWithSqlAsync($"/api/v2/articles?author={author.Username}&fields=slug,title,author.username");

        var articles = page.GetProperty("articles").EnumerateArray().ToArray();
        Assert.Equal(2, articles.Length);
        foreach (var article in articles)
        {
            Assert.Equal(["slug", "title", "author"], article.EnumerateObject().Select(p => p.Name));
            Assert.Equal([author.Username], article.GetProperty("author").EnumerateObject().Select(p => p.Value.GetString()));
            Assert.Equal(["username"], article.GetProperty("author").EnumerateObject().Select(p => p.Name));
        }

        var select = Assert.Single(sql);
        Assert.DoesNotMatch(Column("body"), select);
        Assert.DoesNotMatch(Column("description"), select);
        Assert.DoesNotMatch(Column("bio"), select);
        Assert.Matches(Column("title"), select);
    }

    [Fact]
    public async Task ASingleArticleReadsTheBodyOnlyWhenItIsAskedFor()
    {
        var conduit = new ConduitClient(http);
        var author = await conduit.RegisterAsync("single");
        var slug = (await conduit.CreateArticleAsync(author, body: "only on request")).Str("slug");

        var (withBody, withBodySql) = await GetWithSqlAsync($"/api/v2/articles/{slug}?fields=body,favoritesCount", author.Token);
        var (withoutBody, withoutBodySql) = await GetWithSqlAsync($"/api/v2/articles/{slug}?fields=slug,favorited,author.following", author.Token);
        var (everything, _) = await GetWithSqlAsync($"/api/v2/articles/{slug}", author.Token);

        Assert.Equal(["body", "favoritesCount"], withBody.GetProperty("article").EnumerateObject().Select(p => p.Name));
        Assert.Equal("only on request", withBody.GetProperty("article").Str("body"));
        Assert.Matches(Column("body"), Assert.Single(withBodySql));
        Assert.Equal(["slug", "favorited", "author"], withoutBody.GetProperty("article").EnumerateObject().Select(p => p.Name));
        Assert.False(withoutBody.GetProperty("article").GetProperty("author").GetProperty("following").GetBoolean());
        Assert.DoesNotMatch(Column("body"), Assert.Single(withoutBodySql));
        // No ?fields= is v1's article shape, member for member.
        var v1 = (await conduit.GetOkAsync($"/api/articles/{slug}", author.Token)).GetProperty("article");
        Assert.Equal(v1.ToString(), everything.GetProperty("article").ToString());
    }

    [Fact]
    public async Task AListWithoutFieldsHasV1sListedArticleShape()
    {
        var conduit = new ConduitClient(http);
        var author = await conduit.RegisterAsync("shape");
        await conduit.CreateArticleAsync(author, tags: ["b", "a"]);
        await topology.App.WaitForReplicaAsync();

        var v1 = (await conduit.GetOkAsync($"/api/articles?author={author.Username}")).GetProperty("articles")[0];
        var v2 = (await conduit.GetOkAsync($"/api/v2/articles?author={author.Username}")).GetProperty("articles")[0];

        Assert.Equal(v1.ToString(), v2.ToString());
        Assert.False(v2.TryGetProperty("body", out _));
    }

    [Theory]
    [InlineData("/api/v2/articles")]
    [InlineData("/api/v2/articles/feed")]
    [InlineData("/api/v2/articles/{slug}")]
    public async Task AnUnknownFieldIsRefusedWith422NamingIt(string path)
    {
        var conduit = new ConduitClient(http);
        var author = await conduit.RegisterAsync("unknown");
        var slug = (await conduit.CreateArticleAsync(author)).Str("slug");

        using var response = await conduit.GetAsync(path.Replace("{slug}", slug, StringComparison.Ordinal) + "?fields=slug,x", author.Token);

        var errors = await response.AssertErrorsAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("""{"fields":["unknown field 'x'"]}""", errors.GetRawText());
    }

    // A column reference in EF's SQL, e.g. a.body (not "body" inside another identifier).
    private static Regex Column(string name) => new($@"\.""?{name}""?\b");

    private Task<(JsonElement Json, IReadOnlyList<string> Sql)> GetWithSqlAsync(string path, string? token = null) =>
        SqlCapture.GetAsync(http, path, token);
}
