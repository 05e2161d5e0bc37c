using System.Text.RegularExpressions;
using AspireScale.Api.Articles;
using AspireScale.Api.Data;
using AspireScale.Api.Infrastructure;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AspireScale.Tests.Api;

// The unfiltered list is a query compiled once per model: the primary's context and the replica's each need their own,
// and both must give the viewer's own favorited and following flags, and the set's size on every page. Its first page
// at the usual sizes is a statement of its own, with the limit written in.
[Collection(SharedTopology.Name)]
public sealed class ArticleQueriesTests(SharedTopologyFixture topology, InProcessApi api) : IClassFixture<InProcessApi>
{
    [Fact]
    public async Task TheUnfilteredPageGivesTheViewersFlagsAndTheTotalOnThePrimaryAndTheReplica()
    {
        var factory = api.For(topology.App);
        var conduit = new ConduitClient(factory.CreateClient());
        var author = await conduit.RegisterAsync("compiled");
        var reader = await conduit.RegisterAsync("reader");
        var liked = (await conduit.CreateArticleAsync(author)).Str("slug");
        var other = (await conduit.CreateArticleAsync(author)).Str("slug");
        await conduit.FollowAsync(reader, author.Username);
        await conduit.FavoriteAsync(reader, liked);
        await topology.App.WaitForReplicaAsync();
        var readerId = await topology.App.Primary().ScalarAsync<long>("SELECT id FROM users WHERE username = $1", reader.Username);
        var total = (int)await topology.App.Primary().ScalarAsync<long>("SELECT count(*) FROM articles");

        using var scope = factory.Services.CreateScope();
        var contexts = new ConduitDbContext[]
        {
            scope.ServiceProvider.GetRequiredService<ConduitDbContext>(),
            scope.ServiceProvider.GetRequiredService<ConduitReadDbContext>(),
        };
        foreach (var db in contexts)
        {
            var name = db.GetType().Name;
            var asReader = await ArticleQueries.ListAsync(db, null, null, null, new Paging(100, 0), readerId, CancellationToken.None);
            var anonymous = await ArticleQueries.ListAsync(db, null, null, null, new Paging(100, 0), null, CancellationToken.None);
            var pastTheEnd = await ArticleQueries.ListAsync(db, null, null, null, new Paging(10, total + 5), readerId, CancellationToken.None);

            Assert.Equal(total, asReader.ArticlesCount);
            Assert.Equal(total, pastTheEnd.ArticlesCount);
            Assert.Empty(pastTheEnd.Articles);
            var mine = asReader.Articles.Single(article => article.Slug == liked);
            Assert.True(mine.Favorited, $"{name}: the reader's favorite is not flagged");
            Assert.True(mine.Author.Following, $"{name}: the reader's followee is not flagged");
            Assert.False(asReader.Articles.Single(article => article.Slug == other).Favorited, $"{name}: an article the reader did not favorite is flagged");
            var seenAnonymously = anonymous.Articles.Single(article => article.Slug == liked);
            Assert.False(seenAnonymously.Favorited || seenAnonymously.Author.Following, $"{name}: the reader's flags leak to anonymous");
            Assert.Equal(1, seenAnonymously.FavoritesCount);
        }
    }

    // The first page's limit is written into its SQL with no OFFSET, so PostgreSQL can keep one generic plan instead of
    // planning a parameterized LIMIT/OFFSET afresh on every execution. The statement's text is what guards that: on the
    // test database's few rows PostgreSQL might keep a generic plan for the parameterized statement too. Later pages
    // still follow the first.
    [Fact]
    public async Task TheFirstPageHasItsLimitWrittenInAndNoOffsetSoPostgreSqlKeepsItsPlanAndLaterPagesFollowIt()
    {
        var factory = api.For(topology.App);
        var conduit = new ConduitClient(factory.CreateClient());
        var author = await conduit.RegisterAsync("planned");
        for (var i = 0; i < 10; i++)
        {
            await conduit.CreateArticleAsync(author);
        }

        await topology.App.WaitForReplicaAsync();
        using var scope = factory.Services.CreateScope();
        foreach (var db in new ConduitDbContext[]
        {
            scope.ServiceProvider.GetRequiredService<ConduitDbContext>(),
            scope.ServiceProvider.GetRequiredService<ConduitReadDbContext>(),
        })
        {
            var name = db.GetType().Name;
            await db.Database.OpenConnectionAsync(); // one session, so its prepared statements are the ones we read
            ArticlesEnvelope first = null!;
            // Npgsql prepares a statement on its fifth use and PostgreSQL plans its first five executions one by one.
            for (var i = 0; i < 15; i++)
            {
                first = await ArticleQueries.ListAsync(db, null, null, null, new Paging(10, 0), null, CancellationToken.None);
            }

            var second = await ArticleQueries.ListAsync(db, null, null, null, new Paging(10, 2), null, CancellationToken.None);
            Assert.Equal(10, first.Articles.Count);
            Assert.Equal(first.Articles[2].Slug, second.Articles[0].Slug);

            var statements = await PreparedStatements.ReadAsync(db, "FROM articles");
            await db.Database.CloseConnectionAsync();
            var firstPage = statements.Where(s => Regex.IsMatch(s.Sql, @"\bLIMIT 10\b")).ToList();
            Assert.True(firstPage.Count == 1, $"{name}: no single prepared first-page statement with its limit written in among {statements.Count}");
            Assert.DoesNotContain("OFFSET", firstPage[0].Sql, StringComparison.Ordinal);
            Assert.True(
                firstPage[0].GenericPlans > 0,
                $"{name}: PostgreSQL re-planned the first page on every execution ({firstPage[0].CustomPlans} custom plans)");
        }
    }
}
