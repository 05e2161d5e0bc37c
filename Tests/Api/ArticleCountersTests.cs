using System.Net;
using AspireScale.Api.Data;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;
using Npgsql;

namespace AspireScale.Tests.Api;

// articles.favorites_count and article_totals.articles_count are kept by triggers in the writing transaction, so lists
// read them instead of counting rows. Whatever the API does, and however concurrently, they must equal the rows.
[Collection(SharedTopology.Name)]
public sealed class ArticleCountersTests(SharedTopologyFixture topology, InProcessApi api) : IClassFixture<InProcessApi>
{
    private const string TotalDrift = "SELECT (SELECT sum(articles_count)::int FROM article_totals) - (SELECT count(*)::int FROM articles)";
    private const string ArticlesWithWrongFavoritesCount =
        "SELECT count(*) FROM articles AS a WHERE a.favorites_count <> (SELECT count(*) FROM favorites AS f WHERE f.article_id = a.id)";

    private readonly ConduitClient conduit = new(api.For(topology.App).CreateClient());

    [Fact]
    public async Task ConcurrentCreatesFavoritesAndDeletesLeaveTheCountersEqualToTheRows()
    {
        var author = await conduit.RegisterAsync("author");
        var fans = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => conduit.RegisterAsync("fan")));
        var slugs = (await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => conduit.CreateArticleAsync(author))))
            .Select(article => article.Str("slug")).ToArray();

        // Every fan favorites every article, twice over (the repeat changes nothing), all at once.
        await Task.WhenAll(fans.SelectMany(fan => slugs.SelectMany(slug => new[] { conduit.FavoriteAsync(fan, slug), conduit.FavoriteAsync(fan, slug) })));
        // Then the first fan takes back the favorites of four articles while the other two are deleted with theirs.
        await Task.WhenAll(slugs[..^2].Select(slug => Unfavorite(fans[0], slug)).Concat(slugs[^2..].Select(slug => Delete(author, slug))));

        var primary = topology.App.Primary();
        Assert.Equal(0, await primary.ScalarAsync<int>(TotalDrift));
        Assert.Equal(0L, await primary.ScalarAsync<long>(ArticlesWithWrongFavoritesCount));
        await topology.App.WaitForReplicaAsync();
        var survivor = (await conduit.GetOkAsync($"/api/articles/{slugs[0]}", author.Token)).GetProperty("article");
        Assert.Equal(fans.Length - 1, survivor.GetProperty("favoritesCount").GetInt32());
    }

    [Fact]
    public async Task TheUnfilteredListCountsEveryArticleOnEveryPage()
    {
        var author = await conduit.RegisterAsync("author");
        await conduit.CreateArticleAsync(author);
        await topology.App.WaitForReplicaAsync();
        var rows = await topology.App.Replica().ScalarAsync<long>("SELECT count(*) FROM articles");

        var first = await conduit.GetOkAsync("/api/articles?limit=1");
        var pastTheEnd = await conduit.GetOkAsync($"/api/articles?limit=1&offset={rows + 5}");

        Assert.Equal(rows, first.GetProperty("articlesCount").GetInt64());
        Assert.Equal(1, first.GetProperty("articles").GetArrayLength());
        Assert.Equal(rows, pastTheEnd.GetProperty("articlesCount").GetInt64());
        Assert.Equal(0, pastTheEnd.GetProperty("articles").GetArrayLength());
    }

    // The totals are spread over slots chosen by the writing session, so an article created while another create's
    // transaction is still open (its slot row locked until it commits) takes another slot instead of waiting for it.
    [Fact]
    public async Task AnArticleCreatedWhileAnotherCreateIsUncommittedDoesNotWaitForIt()
    {
        var author = await conduit.RegisterAsync("author");
        var primary = topology.App.Primary();
        var authorId = await primary.ScalarAsync<long>("SELECT id FROM users WHERE username = $1", author.Username);
        var sessions = new List<NpgsqlConnection>();
        try
        {
            // Two sessions whose slots differ (the slot is the backend's pid modulo the number of slots).
            var first = await OpenAsync(primary, sessions);
            var firstSlot = await SlotAsync(first);
            var second = await OpenAsync(primary, sessions);
            while (await SlotAsync(second) == firstSlot)
            {
                second = await OpenAsync(primary, sessions);
            }

            await using var holding = await first.BeginTransactionAsync();
            await InsertArticleAsync(first, holding, authorId);
            await using var next = await second.BeginTransactionAsync();
            await using (var timeout = new NpgsqlCommand("SET LOCAL lock_timeout = '3s'", second, next))
            {
                await timeout.ExecuteNonQueryAsync();
            }

            // Waiting on the first session's slot row would end in a lock timeout (55P03) here.
            await InsertArticleAsync(second, next, authorId);
            await next.RollbackAsync();
            await holding.RollbackAsync();
        }
        finally
        {
            foreach (var session in sessions)
            {
                await session.DisposeAsync();
            }
        }

        Assert.Equal(0, await primary.ScalarAsync<int>(TotalDrift));
        Assert.Equal((long)ArticleTotals.Slots, await primary.ScalarAsync<long>("SELECT count(*) FROM article_totals"));
    }

    private static async Task<NpgsqlConnection> OpenAsync(NpgsqlDataSource source, List<NpgsqlConnection> sessions)
    {
        var connection = await source.OpenConnectionAsync();
        sessions.Add(connection);
        return connection;
    }

    private static async Task<int> SlotAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_backend_pid() % {ArticleTotals.Slots}", connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private static async Task InsertArticleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long authorId)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO articles (author_id, body, created_at, description, slug, tag_list, title, updated_at)
            VALUES ($1, 'b', now(), 'd', 'slot-test-' || gen_random_uuid(), '{}', 'Slot test', now())
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = authorId });
        await command.ExecuteNonQueryAsync();
    }

    private async Task Unfavorite(TestUser user, string slug)
    {
        using var response = await conduit.SendAsync(HttpMethod.Delete, $"/api/articles/{slug}/favorite", null, user.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task Delete(TestUser author, string slug)
    {
        using var response = await conduit.SendAsync(HttpMethod.Delete, $"/api/articles/{slug}", null, author.Token);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }
}
