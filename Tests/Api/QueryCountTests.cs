using System.Net;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AspireScale.Tests.Api;

// No N+1: a page of 100 articles costs the same number of SQL commands as a page of 1, and only a few.
[Collection(SharedTopology.Name)]
public sealed class QueryCountTests(SharedTopologyFixture topology, InProcessApi api, ITestOutputHelper output) : IClassFixture<InProcessApi>
{
    // articlesCount and the page (with tags, favorites, following flags and authors) need at most this many round trips.
    private const int MaxDataCommands = 3;
    private const int ArticleCount = 105;

    private readonly HttpClient http = api.For(topology.App).CreateClient();

    [Fact]
    public async Task ListsAndTheFeedCostTheSameFewCommandsForOneOrAHundredArticles()
    {
        var conduit = new ConduitClient(http);
        var author = await conduit.RegisterAsync("prolific");
        var reader = await conduit.RegisterAsync("reader");
        var fans = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => conduit.RegisterAsync("fan")));
        await conduit.FollowAsync(reader, author.Username);
        foreach (var fan in fans)
        {
            await conduit.FollowAsync(fan, author.Username);
        }

        var slugs = new string[ArticleCount];
        await Parallel.ForEachAsync(Enumerable.Range(0, ArticleCount), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var article = await conduit.CreateArticleAsync(author, ConduitClient.UniqueName($"Article {i} "), tags: [$"tag{i % 7}", $"topic{i % 3}", "common"]);
            slugs[i] = article.Str("slug");
        });
        await Parallel.ForEachAsync(Enumerable.Range(0, ArticleCount), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            foreach (var fan in fans.Take((i % fans.Length) + 1))
            {
                await conduit.FavoriteAsync(fan, slugs[i]);
            }
        });
        await conduit.FavoriteAsync(reader, slugs[0]);
        await topology.App.WaitForReplicaAsync();

        using var counter = new SqlCommandCounter();
        var anonymous = await CompareAsync(counter, $"/api/articles?author={author.Username}", null);
        var signedIn = await CompareAsync(counter, $"/api/articles?author={author.Username}", reader.Token);
        var byTag = await CompareAsync(counter, $"/api/articles?author={author.Username}&tag=common", reader.Token);
        var byFavorited = await CompareAsync(counter, $"/api/articles?favorited={fans[2].Username}", reader.Token);
        var feed = await CompareAsync(counter, "/api/articles/feed", reader.Token);

        foreach (var (name, counts) in new[] { ("anonymous list", anonymous), ("signed-in list", signedIn), ("tag list", byTag), ("favorited list", byFavorited), ("feed", feed) })
        {
            Assert.True(counts.One.Data.Count == counts.Hundred.Data.Count,
                $"{name}: {counts.One.Data.Count} data commands for limit=1 but {counts.Hundred.Data.Count} for limit=100 (N+1):\n" +
                string.Join("\n", counts.Hundred.Data.Select(command => ResponseAssertions.Truncate(command, 200))));
            Assert.True(counts.Hundred.Data.Count <= MaxDataCommands,
                $"{name}: {counts.Hundred.Data.Count} data commands, expected at most {MaxDataCommands}:\n" +
                string.Join("\n", counts.Hundred.Data.Select(command => ResponseAssertions.Truncate(command, 200))));
            Assert.True(counts.Hundred.Data.Count >= 1, $"{name}: no SQL command was seen; is the counter listening?");
        }
    }

    private sealed record Measured(IReadOnlyList<string> Data, IReadOnlyList<string> Routing);

    private async Task<(Measured One, Measured Hundred)> CompareAsync(SqlCommandCounter counter, string path, string? token)
    {
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        // Warm up each URL once: the first request of a process may load types or prepare statements.
        await MeasureAsync(counter, $"{path}{separator}limit=1", token, expectedArticles: null);
        var one = await MeasureAsync(counter, $"{path}{separator}limit=1", token, expectedArticles: 1);
        var hundred = await MeasureAsync(counter, $"{path}{separator}limit=100", token, expectedArticles: null);
        output.WriteLine($"{path} ({(token is null ? "anonymous" : "signed in")}): limit=1 -> {one.Data.Count} data + {one.Routing.Count} routing commands; " +
            $"limit=100 -> {hundred.Data.Count} data + {hundred.Routing.Count} routing commands");
        foreach (var command in hundred.Data.Concat(hundred.Routing))
        {
            output.WriteLine("    " + ResponseAssertions.Truncate(command.ReplaceLineEndings(" "), 300));
        }

        return (one, hundred);
    }

    private async Task<Measured> MeasureAsync(SqlCommandCounter counter, string path, string? token, int? expectedArticles)
    {
        var (response, commands) = await counter.GetAsync(http, path, token);
        using (response)
        {
            var json = await response.ReadJsonAsync(HttpStatusCode.OK);
            var returned = json.GetProperty("articles").GetArrayLength();
            if (expectedArticles is { } expected)
            {
                Assert.Equal(expected, returned);
            }
            else if (path.EndsWith("limit=100", StringComparison.Ordinal))
            {
                Assert.True(returned > 1, $"{path} returned {returned} articles; the comparison needs many");
            }
        }

        // The read routing's WAL-position probes depend on timing (they are cached for ~100 ms), not on the page size.
        var routing = commands.Where(IsRoutingProbe).ToArray();
        return new Measured([.. commands.Where(command => !IsRoutingProbe(command))], routing);
    }

    private static bool IsRoutingProbe(string command) =>
        command.Contains("pg_last_wal_replay_lsn", StringComparison.OrdinalIgnoreCase) ||
        command.Contains("pg_current_wal_lsn", StringComparison.OrdinalIgnoreCase);
}
