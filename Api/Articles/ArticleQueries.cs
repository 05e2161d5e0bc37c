using System.Linq.Expressions;
using AspireScale.Api.Data;
using AspireScale.Api.Infrastructure;
using AspireScale.Api.Profiles;
using Microsoft.EntityFrameworkCore;

namespace AspireScale.Api.Articles;

// No-tracking projections straight to the response shape. following and favorited are correlated subqueries inside the
// one SELECT and favoritesCount is a trigger-kept column, so a page costs two commands (count + page) whatever its size,
// and the unfiltered list one.
// The viewer id 0 stands for anonymous: identity ids start at 1, so it follows and favorites nothing.
internal static class ArticleQueries
{
    public static Expression<Func<Article, ArticleView>> ToView(long viewer) => a => new ArticleView(
        a.Slug,
        a.Title,
        a.Description,
        a.Body,
        a.TagList,
        a.CreatedAt,
        a.UpdatedAt,
        a.Favorites.Any(f => f.UserId == viewer),
        a.FavoritesCount,
        new ProfileView(a.Author.Username, a.Author.Bio, a.Author.Image, a.Author.Followers.Any(f => f.FollowerId == viewer)));

    // A list item, with the viewer as the projection's own parameter: the compiled unfiltered page takes it as its
    // parameter, and ToSummary binds a value for the queries composed per request.
    private static readonly Expression<Func<Article, long, ArticleSummaryView>> SummaryFor = (a, viewer) => new ArticleSummaryView(
        a.Slug,
        a.Title,
        a.Description,
        a.TagList,
        a.CreatedAt,
        a.UpdatedAt,
        a.Favorites.Any(f => f.UserId == viewer),
        a.FavoritesCount,
        new ProfileView(a.Author.Username, a.Author.Bio, a.Author.Image, a.Author.Followers.Any(f => f.FollowerId == viewer)));

    private static Expression<Func<Article, ArticleSummaryView>> ToSummary(long viewer) => WithViewer(SummaryFor, viewer);

    // A projection whose second parameter is the viewer, for a query composed per request. The viewer goes in as a field
    // of an object, as a captured variable would, so EF sends it as a SQL parameter and every viewer shares one plan.
    public static Expression<Func<Article, T>> WithViewer<T>(Expression<Func<Article, long, T>> projection, long viewer) =>
        Expression.Lambda<Func<Article, T>>(
            Inline(projection, projection.Parameters[0], Expression.Field(Expression.Constant(new Viewer(viewer)), nameof(Viewer.Id))),
            projection.Parameters[0]);

    public static IQueryable<ArticleView> Find(ConduitDbContext db, string slug, long? viewer) =>
        db.Articles.Where(a => a.Slug == slug).Select(ToView(viewer ?? 0));

    public static Task<ArticleView?> FindAsync(ConduitDbContext db, string slug, long? viewer, CancellationToken cancellationToken) =>
        Find(db, slug, viewer).SingleOrDefaultAsync(cancellationToken);

    public static IQueryable<Article> Filter(ConduitDbContext db, string? tag, string? author, string? favoritedBy)
    {
        IQueryable<Article> articles = db.Articles;
        if (tag is not null)
        {
            articles = articles.Where(a => a.TagList.Contains(tag));
        }

        if (author is not null)
        {
            articles = articles.Where(a => a.Author.Username == author);
        }

        if (favoritedBy is not null)
        {
            articles = articles.Where(a => a.Favorites.Any(f => f.User.Username == favoritedBy));
        }

        return articles;
    }

    // Fan-out on write: the feed is the follower's precomputed feed_entries (written by the Worker when an article is
    // published, backfilled on follow, removed on unfollow, cascaded on delete), plus the followees' articles the Worker
    // has not fanned out yet (a few rows, found through a partial index). So an article is in its followers' feeds from
    // the moment it is committed, and the result always equals "articles by the authors I follow".
    public static IQueryable<Article> Feed(ConduitDbContext db, long follower) =>
        db.FeedEntries.Where(e => e.UserId == follower).Select(e => e.Article)
            .Concat(db.Articles.Where(a => !a.FannedOut
                && db.Follows.Any(f => f.FollowerId == follower && f.FolloweeId == a.AuthorId)
                && !db.FeedEntries.Any(e => e.UserId == follower && e.ArticleId == a.Id)));

    // The unfiltered set's size, the sum of the slots the triggers keep: counting 20,000 articles took 5 ms of PostgreSQL per page.
    public static Task<int> TotalAsync(ConduitDbContext db, CancellationToken cancellationToken) =>
        db.ArticleTotals.SumAsync(t => t.ArticlesCount, cancellationToken);

    // GET /api/articles: the filtered set is counted; the whole set's size is the totals row.
    public static Task<ArticlesEnvelope> ListAsync(
        ConduitDbContext db, string? tag, string? author, string? favoritedBy, Paging paging, long? viewer, CancellationToken cancellationToken) =>
        tag is null && author is null && favoritedBy is null
            ? UnfilteredPageAsync(db, paging, viewer ?? 0, cancellationToken)
            : PageAsync(Filter(db, tag, author, favoritedBy), paging, viewer, cancellationToken);

    // articlesCount is the total before paging. Newest first, id breaks ties so pages never overlap or skip.
    public static async Task<ArticlesEnvelope> PageAsync(IQueryable<Article> articles, Paging paging, long? viewer, CancellationToken cancellationToken)
    {
        var total = await articles.CountAsync(cancellationToken);
        if (total <= paging.Offset)
        {
            return new ArticlesEnvelope([], total);
        }

        var page = await articles.OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id).Skip(paging.Offset).Take(paging.Limit)
            .Select(ToSummary(viewer ?? 0)).ToListAsync(cancellationToken);
        return new ArticlesEnvelope(page, total);
    }

    // The unfiltered list, the hottest read, is compiled ahead, so a request skips building, funcletizing and hashing its
    // LINQ tree: that was a fifth of what the uncached list allocated (once per model and context type, CompiledQueries).
    // The set's size rides along as a scalar subquery of the totals row, so a page is one round trip; only a page past
    // the end needs the size on its own. The order is PageAsync's.
    // The first page at the sizes clients ask for has its limit written into the SQL and no OFFSET: with a parameter for
    // either, PostgreSQL's generic plan assumes a tenth of the table and hash-joins every user, so it plans the
    // statement afresh on every execution, and planning was two thirds of its cost (pgbench, prepared: 342 µs against
    // 121 µs, bench/uncached). Written in, the generic plan is the custom one and PostgreSQL keeps it. Only two sizes
    // (the default, and the 10 RealWorld frontends send): each is a statement of its own in Npgsql's 20 auto-prepared
    // per connection, so any limit a client likes would push the hot ones out. Other pages keep both as parameters.
    private static readonly int[] WrittenInLimits = [Limits.DefaultPageSize, 10];

    internal static bool IsWrittenInLimit(int limit) => WrittenInLimits.Contains(limit);

    private static readonly CompiledQueries<int?, Func<ConduitDbContext, long, int, int, IAsyncEnumerable<PageRow>>> UnfilteredPages =
        new(CompileUnfilteredPage);

    private static async Task<ArticlesEnvelope> UnfilteredPageAsync(ConduitDbContext db, Paging paging, long viewer, CancellationToken cancellationToken)
    {
        int? writtenIn = paging.Offset == 0 && IsWrittenInLimit(paging.Limit) ? paging.Limit : null;
        var rows = UnfilteredPages.For(db, writtenIn)(db, viewer, paging.Offset, paging.Limit);
        var page = new List<ArticleSummaryView>(paging.Limit);
        var total = 0;
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            page.Add(row.View);
            total = row.Total;
        }

        if (page.Count > 0)
        {
            return new ArticlesEnvelope(page, total);
        }

        return new ArticlesEnvelope([], paging.Offset == 0 ? 0 : await TotalAsync(db, cancellationToken));
    }

    // Without writtenInLimit, any page: offset and limit are parameters. With it, the first page of that many: the offset
    // goes and the limit becomes a literal (a compiled query keeps a constant as SQL text, where a query built per request
    // would make it a parameter).
    private static Func<ConduitDbContext, long, int, int, IAsyncEnumerable<PageRow>> CompileUnfilteredPage(int? writtenInLimit)
    {
        Expression<Func<ConduitDbContext, long, int, int, IQueryable<PageRow>>> page = (db, viewer, offset, limit) =>
            db.Articles.OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id).Skip(offset).Take(limit)
                .Select(a => new PageRow(
                    Summary(a, viewer),
                    db.ArticleTotals.Sum(t => t.ArticlesCount)));
        var body = new SummaryInliner().Visit(page.Body);
        if (writtenInLimit is { } limit)
        {
            body = new FirstPageOf(page.Parameters[2], page.Parameters[3], limit).Visit(body);
        }

        return EF.CompileAsyncQuery(Expression.Lambda<Func<ConduitDbContext, long, int, int, IQueryable<PageRow>>>(body, page.Parameters));
    }

    // Stands for SummaryFor inside a query's lambda until SummaryInliner puts SummaryFor's body in its place.
    private static ArticleSummaryView Summary(Article article, long viewer) =>
        throw new InvalidOperationException($"{nameof(Summary)} only marks where {nameof(SummaryFor)} goes in a query.");

    private static Expression Inline(LambdaExpression lambda, Expression first, Expression second) =>
        new ParameterReplacer(lambda.Parameters[0], first, lambda.Parameters[1], second).Visit(lambda.Body);

    private sealed record PageRow(ArticleSummaryView View, int Total);

    private sealed class Viewer(long id)
    {
        public readonly long Id = id;
    }

    private sealed class SummaryInliner : ExpressionVisitor
    {
        protected override Expression VisitMethodCall(MethodCallExpression node) =>
            node.Method.Name == nameof(Summary) && node.Method.DeclaringType == typeof(ArticleQueries)
                ? Inline(SummaryFor, Visit(node.Arguments[0]), Visit(node.Arguments[1]))
                : base.VisitMethodCall(node);
    }

    private sealed class ParameterReplacer(ParameterExpression first, Expression firstValue, ParameterExpression second, Expression secondValue)
        : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) =>
            node == first ? firstValue : node == second ? secondValue : node;
    }

    // Skip(offset) dropped and Take(limit) given the literal.
    private sealed class FirstPageOf(ParameterExpression offset, ParameterExpression limit, int value) : ExpressionVisitor
    {
        protected override Expression VisitMethodCall(MethodCallExpression node) =>
            node.Method.Name == nameof(Queryable.Skip) && node.Arguments[1] == offset ? Visit(node.Arguments[0]) : base.VisitMethodCall(node);

        protected override Expression VisitParameter(ParameterExpression node) => node == limit ? Expression.Constant(value) : node;
    }
}
