using System.Text.Json;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

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
}
