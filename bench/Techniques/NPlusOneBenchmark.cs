using System.Diagnostics;
using System.Text.Json;
using AspireScale.Api.Articles;
using AspireScale.Api.Data;
using AspireScale.Api.Infrastructure;
using AspireScale.Api.Profiles;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace AspireScale.Bench.Techniques;

// A page of articles for a signed-in viewer, two ways, one page at a time (latency, not throughput):
// the Api's projection (ArticleQueries.ListAsync: one compiled SELECT with correlated subqueries and the total riding along), and
// the naive way (the total, load the article rows, then per article its author, the follow flag, the favorite flag and
// the favorites count: 2 + 4N commands). Both read the total from the trigger-kept row, so what differs is the N+1 alone.
// Both through a pooled context with the Api's EF options, no tracking.
internal static class NPlusOneBenchmark
{
    private delegate Task<ArticlesEnvelope> PageQuery(ConduitDbContext db, Paging paging, long viewer, CancellationToken cancellationToken);

    public static async Task RunAsync(BenchDatabase database, BenchSettings settings)
    {
        var counter = new CommandCounter();
        var builder = new DbContextOptionsBuilder<ConduitDbContext>();
        BenchDatabase.Configure(builder, database.ConnectionString);
        builder.AddInterceptors(counter).UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking);
        var factory = new PooledDbContextFactory<ConduitDbContext>(builder.Options);

        (string Name, PageQuery Query)[] methods =
        [
            ("projection (ArticleQueries.ListAsync)", (db, paging, viewer, ct) => ArticleQueries.ListAsync(db, null, null, null, paging, viewer, ct)),
            ("naive N+1 (load, then 4 queries per article)", NaivePageAsync),
        ];

        var rows = new List<string[]>();
        foreach (var size in new[] { 20, 100 })
        {
            // Both ways must answer the same page, or the comparison means nothing.
            var answers = new List<string>();
            foreach (var (_, query) in methods)
            {
                await using var db = await factory.CreateDbContextAsync();
                var page = await query(db, new Paging(size, size), database.Viewer, CancellationToken.None);
                answers.Add(JsonSerializer.Serialize(page, ConduitJsonContext.Default.ArticlesEnvelope));
            }

            if (answers.Distinct(StringComparer.Ordinal).Count() != 1)
            {
                throw new InvalidOperationException($"the projection and the naive way disagree on a page of {size}");
            }

            var perRound = methods.Select(_ => new List<(double MsPerPage, double CommandsPerPage, double CpuMsPerPage)>()).ToArray();
            for (var round = -1; round < settings.Rounds; round++)
            {
                for (var m = 0; m < methods.Length; m++)
                {
                    // Round -1 warms up (JIT, EF's query cache, PostgreSQL's buffers) and is not kept.
                    var result = await MeasureAsync(factory, counter, methods[m].Query, size, database.Viewer, round < 0 ? TimeSpan.FromSeconds(0.5) : settings.Slice);
                    if (round >= 0)
                    {
                        perRound[m].Add(result);
                    }
                }
            }

            var baseline = Stats.Median(perRound[0].Select(r => r.MsPerPage));
            for (var m = 0; m < methods.Length; m++)
            {
                var ms = Stats.Median(perRound[m].Select(r => r.MsPerPage));
                rows.Add(
                [
                    size.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    methods[m].Name,
                    Stats.F(ms, "0.00"),
                    Stats.F(1000 / ms, "0"),
                    Stats.F(Stats.Median(perRound[m].Select(r => r.CommandsPerPage)), "0.#"),
                    Stats.Ratio(ms / baseline),
                    Stats.F(Stats.Median(perRound[m].Select(r => r.CpuMsPerPage)), "0.00"),
                    Stats.Ratio(Stats.Median(perRound[m].Select(r => r.CpuMsPerPage)) / Stats.Median(perRound[0].Select(r => r.CpuMsPerPage))),
                ]);
            }
        }

        Markdown.Table(
            $"1. N+1 vs projection: one page for a signed-in viewer, sequential ({database.Articles:N0} articles, PostgreSQL {database.ServerVersion})",
            ["page size", "method", "ms/page", "pages/s", "commands/page", "time vs projection",
                CpuMeter.SeesServer ? "CPU ms/page (client + PostgreSQL)" : "CPU ms/page (client only)", "CPU vs projection"],
            rows);
    }

    private static async Task<(double MsPerPage, double CommandsPerPage, double CpuMsPerPage)> MeasureAsync(
        PooledDbContextFactory<ConduitDbContext> factory, CommandCounter counter, PageQuery query, int size, long viewer, TimeSpan duration)
    {
        var commandsBefore = counter.Count;
        var cpuBefore = CpuMeter.TotalMilliseconds();
        var pages = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            // Walk the first 20 pages, the ones people read.
            var paging = new Paging(size, pages % 20 * size);
            await using var db = await factory.CreateDbContextAsync();
            await query(db, paging, viewer, CancellationToken.None);
            pages++;
        }

        var elapsed = clock.Elapsed.TotalMilliseconds;
        var cpu = CpuMeter.TotalMilliseconds() - cpuBefore;
        return (elapsed / pages, (double)(counter.Count - commandsBefore) / pages, cpu / pages);
    }

    // What a straightforward port of the entity model does: the page of entities, then one query per thing shown.
    private static async Task<ArticlesEnvelope> NaivePageAsync(ConduitDbContext db, Paging paging, long viewer, CancellationToken cancellationToken)
    {
        var total = await ArticleQueries.TotalAsync(db, cancellationToken);
        var articles = await db.Articles
            .OrderByDescending(a => a.CreatedAt)
            .ThenByDescending(a => a.Id)
            .Skip(paging.Offset)
            .Take(paging.Limit)
            .ToListAsync(cancellationToken);

        var views = new List<ArticleSummaryView>(articles.Count);
        foreach (var article in articles)
        {
            var author = await db.Users.SingleAsync(u => u.Id == article.AuthorId, cancellationToken);
            var following = await db.Follows.AnyAsync(f => f.FollowerId == viewer && f.FolloweeId == article.AuthorId, cancellationToken);
            var favorited = await db.Favorites.AnyAsync(f => f.UserId == viewer && f.ArticleId == article.Id, cancellationToken);
            var favoritesCount = await db.Favorites.CountAsync(f => f.ArticleId == article.Id, cancellationToken);
            views.Add(new ArticleSummaryView(
                article.Slug, article.Title, article.Description, article.TagList, article.CreatedAt, article.UpdatedAt,
                favorited, favoritesCount, new ProfileView(author.Username, author.Bio, author.Image, following)));
        }

        return new ArticlesEnvelope(views, total);
    }
}
