using System.Text.Json;
using System.Text.Json.Nodes;
using AspireScale.Api.Articles;
using AspireScale.Api.Data;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AspireScale.Tests.Versioning;

// What a v2 page costs the database: one command, whatever the page size or depth, seeking by (created_at, id) rather
// than counting and skipping. Read from the SQL the in-process Api sends to the shared topology's PostgreSQL.
[Collection(SharedTopology.Name)]
public sealed class KeysetQueryTests(SharedTopologyFixture topology, InProcessApi api) : IClassFixture<InProcessApi>
{
    private readonly HttpClient http = api.For(topology.App).CreateClient();

    [Theory]
    [InlineData("/api/v2/articles?author={author}")]
    [InlineData("/api/v2/articles/feed")]
    public async Task APageAfterACursorIsOneRowComparisonSeekWithNoOffsetOrCountForOneOrAHundredArticles(string path)
    {
        var conduit = new ConduitClient(http);
        var author = await conduit.RegisterAsync("seek");
        var reader = await conduit.RegisterAsync("seeker");
        await conduit.FollowAsync(reader, author.Username);
        for (var i = 0; i < 5; i++)
        {
            await conduit.CreateArticleAsync(author);
        }

        await topology.App.WaitForReplicaAsync();
        var url = path.Replace("{author}", author.Username, StringComparison.Ordinal);
        var separator = url.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        var (first, firstSql) = await SqlCapture.GetAsync(http, $"{url}{separator}limit=1", reader.Token);
        var cursor = first.Str("nextCursor");

        var (one, oneSql) = await SqlCapture.GetAsync(http, $"{url}{separator}limit=1&cursor={cursor}", reader.Token);
        var (hundred, hundredSql) = await SqlCapture.GetAsync(http, $"{url}{separator}limit=100&cursor={cursor}", reader.Token);

        Assert.Single(one.Slugs());
        Assert.Equal(4, hundred.Slugs().Length);
        Assert.Equal(JsonValueKind.Null, hundred.GetProperty("nextCursor").ValueKind);
        Assert.Single(firstSql);
        foreach (var sql in new[] { Assert.Single(oneSql), Assert.Single(hundredSql) })
        {
            Assert.Matches(@"\(\w+\.created_at, \w+\.id\) < \(@", sql);
            Assert.Matches(@"ORDER BY \w+\.created_at DESC, \w+\.id DESC", sql);
            Assert.Contains("LIMIT", sql, StringComparison.Ordinal);
            Assert.DoesNotContain("OFFSET", sql, StringComparison.Ordinal);
            // favoritesCount is a count over favorites; nothing counts the articles themselves.
            Assert.DoesNotMatch(@"count\(\*\)(::int)?\s+FROM articles", sql);
        }
    }

    // As on v1, the unfiltered first page in the default shape at the sizes clients ask for (20, 10) is a compiled query
    // with its limit (one more, to see whether a next page exists) written into the SQL, so PostgreSQL can keep one plan
    // for it. Any other size, filter, field set or cursor sends the limit as a parameter, so what a client makes up
    // cannot each become a statement of its own. The compiled page must agree with the others, cursor included.
    [Fact]
    public async Task TheUnfilteredFirstPageOfTwentyOrTenHasItsLimitWrittenInAndEveryOtherPageSendsItAsAParameter()
    {
        var conduit = new ConduitClient(http);
        var author = await AuthorOfAsync(conduit, "literal", articles: 21);
        var (twenty, twentySql) = await SqlCapture.GetAsync(http, "/api/v2/articles?limit=20");
        var (ten, tenSql) = await SqlCapture.GetAsync(http, "/api/v2/articles?limit=10");
        var (afterTen, afterTenSql) = await SqlCapture.GetAsync(http, $"/api/v2/articles?limit=10&cursor={ten.Str("nextCursor")}");
        var (sparse, sparseSql) = await SqlCapture.GetAsync(http, "/api/v2/articles?limit=20&fields=slug");
        var (_, sevenSql) = await SqlCapture.GetAsync(http, "/api/v2/articles?limit=7");
        var (_, byAuthorSql) = await SqlCapture.GetAsync(http, $"/api/v2/articles?limit=20&author={author.Username}");

        Assert.Equal(20, twenty.Slugs().Length);
        Assert.Equal(twenty.Slugs()[..10], ten.Slugs());
        Assert.Equal(twenty.Slugs()[10..], afterTen.Slugs());
        Assert.Equal(twenty.Slugs(), sparse.Slugs());
        Assert.Matches(@"\bLIMIT 21\b", Assert.Single(twentySql));
        Assert.Matches(@"\bLIMIT 11\b", Assert.Single(tenSql));
        foreach (var sql in new[] { afterTenSql, sparseSql, sevenSql, byAuthorSql })
        {
            Assert.Matches(@"\bLIMIT @\w+", Assert.Single(sql));
        }

        // The viewer is the compiled query's parameter: its flags are the reader's own, and anonymous sees none of them.
        var reader = await conduit.RegisterAsync("literal-reader");
        var liked = twenty.Slugs()[3];
        await conduit.FavoriteAsync(reader, liked);
        await conduit.FollowAsync(reader, author.Username);
        await topology.App.WaitForReplicaAsync();
        var asReader = Article(await conduit.GetOkAsync("/api/v2/articles?limit=20", reader.Token), liked);
        var asAnonymous = Article(await conduit.GetOkAsync("/api/v2/articles?limit=20"), liked);
        Assert.True(asReader.GetProperty("favorited").GetBoolean());
        Assert.True(asReader.GetProperty("author").GetProperty("following").GetBoolean());
        Assert.False(asAnonymous.GetProperty("favorited").GetBoolean());
        Assert.False(asAnonymous.GetProperty("author").GetProperty("following").GetBoolean());
        Assert.Equal(1, asAnonymous.GetProperty("favoritesCount").GetInt32());
    }

    // What the written-in limit buys: on each context's own session PostgreSQL runs the compiled first page on a generic
    // plan it keeps. Npgsql prepares a statement on its fifth use and PostgreSQL plans its first five executions one by
    // one; with the limit a parameter, it would go on planning each execution (as v1's page did, ArticleQueriesTests).
    [Fact]
    public async Task PostgreSqlKeepsOnePlanForTheCompiledFirstPageOnThePrimaryAndTheReplica()
    {
        await AuthorOfAsync(new ConduitClient(http), "kept-plan", articles: 11);
        using var scope = api.For(topology.App).Services.CreateScope();
        foreach (var db in new ConduitDbContext[]
        {
            scope.ServiceProvider.GetRequiredService<ConduitDbContext>(),
            scope.ServiceProvider.GetRequiredService<ConduitReadDbContext>(),
        })
        {
            var name = db.GetType().Name;
            await db.Database.OpenConnectionAsync();
            JsonObject page = null!;
            for (var i = 0; i < 15; i++)
            {
                page = await ArticlesV2Api.CompiledFirstPageAsync(db, new KeysetPage(10, null), 0, CursorKey, CancellationToken.None);
            }

            var statements = await PreparedStatements.ReadAsync(db, "LIMIT 11");
            await db.Database.CloseConnectionAsync();
            Assert.Equal(10, page["articles"]!.AsArray().Count);
            Assert.NotNull(page["nextCursor"]);
            Assert.True(statements.Count == 1, $"{name}: {statements.Count} prepared statements with LIMIT 11, not one");
            Assert.True(
                statements[0].GenericPlans > 0,
                $"{name}: PostgreSQL planned the first page on every execution ({statements[0].CustomPlans} custom plans)");
        }
    }

    private static readonly byte[] CursorKey = new byte[32];

    // A new author of that many articles, the newest in the list, visible on the read replica too.
    private async Task<TestUser> AuthorOfAsync(ConduitClient conduit, string prefix, int articles)
    {
        var author = await conduit.RegisterAsync(prefix);
        for (var i = 0; i < articles; i++)
        {
            await conduit.CreateArticleAsync(author);
        }

        await topology.App.WaitForReplicaAsync();
        return author;
    }

    private static JsonElement Article(JsonElement page, string slug) =>
        page.GetProperty("articles").EnumerateArray().Single(article => article.Str("slug") == slug);
}
