using System.Net;
using System.Text.Json;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Versioning;

// GET /api/v2/articles and /api/v2/articles/feed with ?limit=&cursor=, through the shared topology's balancer: pages
// alternate between the two Api replicas, so a cursor issued by one must be honoured by the other.
[Collection(SharedTopology.Name)]
public sealed class KeysetPaginationTests(SharedTopologyFixture topology) : IDisposable
{
    private const int Limit = 4;

    private readonly HttpClient http = topology.App.CreateHttpClient();

    private ConduitClient Gateway => new(http);

    [Fact]
    public async Task ACursorWalkVisitsExactlyTheArticlesOfTheOffsetWalkInTheSameOrderEvenAcrossEqualTimestamps()
    {
        var author = await Gateway.RegisterAsync("walker");
        var created = await CreateArticlesAsync(author, 23);
        // Five articles with one created_at, straddling the page boundary at position 16 (newest first: positions 13-17),
        // so only the id tie-breaker keeps the boundary exact.
        await topology.App.Primary().ScalarAsync<int>(
            "WITH t AS (SELECT created_at FROM articles WHERE slug = $1) UPDATE articles SET created_at = (SELECT created_at FROM t) WHERE slug = ANY($2)",
            created[5], created[5..10]);
        await topology.App.WaitForReplicaAsync();

        var offsetWalk = await V2Walks.OffsetWalkAsync(Gateway, $"/api/articles?author={author.Username}", Limit);
        var cursorWalk = await V2Walks.CursorWalkAsync(Gateway, $"/api/v2/articles?author={author.Username}", Limit);

        Assert.Equal(23, offsetWalk.Count);
        Assert.Equal(offsetWalk, cursorWalk);
        Assert.Equal(cursorWalk.Count, cursorWalk.Distinct().Count());
        Assert.Equal(created.ToHashSet(), cursorWalk.ToHashSet());
        // Newest first; within the tie, higher id (created later) first.
        Assert.Equal(created.AsEnumerable().Reverse(), cursorWalk);
    }

    [Fact]
    public async Task TheFeedWalksByCursorLikeItsOffsetWalkAndNeedsAToken()
    {
        var author = await Gateway.RegisterAsync("feedauthor");
        var other = await Gateway.RegisterAsync("feedother");
        var reader = await Gateway.RegisterAsync("feedreader");
        await Gateway.FollowAsync(reader, author.Username);
        await Gateway.FollowAsync(reader, other.Username);
        var created = (await CreateArticlesAsync(author, 6)).Concat(await CreateArticlesAsync(other, 5)).ToArray();
        await topology.App.WaitForReplicaAsync();

        var offsetWalk = await V2Walks.OffsetWalkAsync(Gateway, "/api/articles/feed", Limit, reader.Token);
        var cursorWalk = await V2Walks.CursorWalkAsync(Gateway, "/api/v2/articles/feed", Limit, reader.Token);

        Assert.Equal(created.Reverse(), offsetWalk);
        Assert.Equal(offsetWalk, cursorWalk);
        using var anonymous = await Gateway.GetAsync("/api/v2/articles/feed");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task AnEditedOrMadeUpCursorIsRefusedWith422()
    {
        var author = await Gateway.RegisterAsync("tamper");
        await CreateArticlesAsync(author, 3);
        await topology.App.WaitForReplicaAsync();
        var first = await Gateway.GetOkAsync($"/api/v2/articles?author={author.Username}&limit=1");
        var cursor = first.Str("nextCursor");
        // The genuine cursor works (so the 422s below are about the edits, not about cursors in general).
        Assert.Single((await Gateway.GetOkAsync($"/api/v2/articles?author={author.Username}&limit=1&cursor={cursor}")).Slugs());

        var flipped = cursor[..10] + (cursor[10] == 'A' ? 'B' : 'A') + cursor[11..];
        foreach (var bad in new[] { flipped, cursor[..^1], cursor + "A", "not-a-cursor", "%00" })
        {
            using var response = await Gateway.GetAsync($"/api/v2/articles?author={author.Username}&limit=1&cursor={bad}");
            var errors = await response.AssertErrorsAsync(HttpStatusCode.UnprocessableEntity);
            Assert.Equal(["cursor"], errors.EnumerateObject().Select(e => e.Name));
        }
    }

    [Theory]
    [InlineData("101")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("1e2")]
    public async Task ALimitOutside1To100IsRefusedWith422(string limit)
    {
        foreach (var path in new[] { "/api/v2/articles", "/api/v2/articles/feed" })
        {
            var reader = await Gateway.RegisterAsync("limits");
            using var response = await Gateway.GetAsync($"{path}?limit={limit}", reader.Token);
            var errors = await response.AssertErrorsAsync(HttpStatusCode.UnprocessableEntity);
            Assert.Equal(["limit"], errors.EnumerateObject().Select(e => e.Name));
        }
    }

    [Fact]
    public async Task TheDefaultPageHoldsTwentyAndAHundredIsAllowed()
    {
        var author = await Gateway.RegisterAsync("sizes");
        await CreateArticlesAsync(author, 21);
        await topology.App.WaitForReplicaAsync();

        var byDefault = await Gateway.GetOkAsync($"/api/v2/articles?author={author.Username}");
        var hundred = await Gateway.GetOkAsync($"/api/v2/articles?author={author.Username}&limit=100");

        Assert.Equal(20, byDefault.Slugs().Length);
        Assert.Equal(JsonValueKind.String, byDefault.GetProperty("nextCursor").ValueKind);
        Assert.Equal(21, hundred.Slugs().Length);
        hundred.AssertNullProperty("nextCursor");
    }

    public void Dispose() => http.Dispose();

    // Sequential on purpose: creation order is the expected list order.
    private async Task<string[]> CreateArticlesAsync(TestUser author, int count)
    {
        var slugs = new string[count];
        for (var i = 0; i < count; i++)
        {
            slugs[i] = (await Gateway.CreateArticleAsync(author, ConduitClient.UniqueName($"Walk {i} "))).Str("slug");
        }

        return slugs;
    }
}
