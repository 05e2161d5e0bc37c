using System.Linq.Expressions;
using System.Security.Claims;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AspireScale.Api.Auth;
using AspireScale.Api.Data;
using AspireScale.Api.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AspireScale.Api.Articles;

// The v2 read extensions: keyset pages (?limit=&cursor=) and sparse fieldsets (?fields=). /api/articles stays the
// RealWorld spec untouched. Pages carry no articlesCount: counting the whole filtered set is exactly the work that
// makes deep offset pages expensive, and a cursor walk has no use for it ("nextCursor": null marks the end).
public static class ArticlesV2Api
{
    public static RouteGroupBuilder MapArticlesV2Api(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v2/articles").WithTags("Articles (v2)").RejectInvalidTokens()
            .ProducesErrors(StatusCodes.Status422UnprocessableEntity);

        api.MapGet("", ListArticles).WithName("GetArticlesV2").Produces<ArticlesPageV2>()
            .WithSummary("Articles, newest first, one keyset page at a time; filters as in v1, optional ?fields=.");
        api.MapGet("/{slug}", GetArticle).WithName("GetArticleV2").Produces<ArticleEnvelope>().WithSummary("One article, optionally only ?fields=.")
            .DescribesNotFound("article", "slug");
        api.MapGroup("").RequireAuthorization().MapGet("/feed", GetFeed).WithName("GetArticlesFeedV2").Produces<ArticlesPageV2>()
            .WithSummary("The signed-in user's feed, one keyset page at a time, optional ?fields=.")
            .ProducesErrors(StatusCodes.Status401Unauthorized);

        return api;
    }

    public static async Task<Results<JsonHttpResult<JsonObject>, UnprocessableEntity<ErrorEnvelope>>> ListArticles(
        string? tag, string? author, string? favorited, string? limit, string? cursor, string? fields,
        [AsParameters] ArticleV2Services services, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var page = KeysetPage.Parse(limit, cursor, services.CursorKey, errors);
        var selected = ArticleFields.Parse(fields, ArticleField.Summary, errors);
        if (errors.Any)
        {
            return ApiErrors.Invalid(errors);
        }

        var viewer = services.User.Id();
        var json = await services.Reads.ReadAsync(
            viewer,
            (db, ct) => tag is null && author is null && favorited is null && IsCompiledFirstPage(page, selected)
                ? CompiledFirstPageAsync(db, page, viewer ?? 0, services.CursorKey, ct)
                : PageAsync(ArticleQueries.Filter(db, tag, author, favorited), page, selected, viewer ?? 0, services.CursorKey, ct),
            cancellationToken);
        return TypedResults.Json(json, ArticlesV2JsonContext.Default.JsonObject);
    }

    public static async Task<Results<JsonHttpResult<JsonObject>, UnprocessableEntity<ErrorEnvelope>>> GetFeed(
        string? limit, string? cursor, string? fields, [AsParameters] ArticleV2Services services, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var page = KeysetPage.Parse(limit, cursor, services.CursorKey, errors);
        var selected = ArticleFields.Parse(fields, ArticleField.Summary, errors);
        if (errors.Any)
        {
            return ApiErrors.Invalid(errors);
        }

        var me = services.User.RequiredId();
        var json = await services.Reads.ReadAsync(
            me, (db, ct) => PageAsync(ArticleQueries.Feed(db, me), page, selected, me, services.CursorKey, ct), cancellationToken);
        return TypedResults.Json(json, ArticlesV2JsonContext.Default.JsonObject);
    }

    public static async Task<Results<JsonHttpResult<JsonObject>, NotFound<ErrorEnvelope>, UnprocessableEntity<ErrorEnvelope>>> GetArticle(
        string slug, string? fields, [AsParameters] ArticleV2Services services, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var selected = ArticleFields.Parse(fields, ArticleField.All, errors);
        if (errors.Any)
        {
            return ApiErrors.Invalid(errors);
        }

        var viewer = services.User.Id();
        var projection = ArticleFields.Projection(selected, viewer ?? 0);
        var row = await services.Reads.FindAsync(
            viewer, (db, ct) => db.Articles.Where(a => a.Slug == slug).Select(projection).SingleOrDefaultAsync(ct), cancellationToken);
        return row is null
            ? ApiErrors.NotFound("article")
            : TypedResults.Json(new JsonObject { ["article"] = ArticleFields.ToJson(row, selected) }, ArticlesV2JsonContext.Default.JsonObject);
    }

    // One SQL command per page whatever its size or depth: WHERE (created_at, id) < (@c, @id) ORDER BY created_at DESC,
    // id DESC LIMIT n+1 walks ix_articles_created_at_id (or the author index) from the cursor on; the extra row only
    // says whether another page exists, so the last page has no cursor pointing at nothing.
    private static async Task<JsonObject> PageAsync(
        IQueryable<Article> articles, KeysetPage page, ArticleField fields, long viewer, byte[] cursorKey, CancellationToken cancellationToken)
    {
        if (page.After is { } after)
        {
            var createdAt = after.CreatedAt;
            var id = after.Id;
            articles = articles.Where(a => EF.Functions.LessThan(ValueTuple.Create(a.CreatedAt, a.Id), ValueTuple.Create(createdAt, id)));
        }

        var rows = await articles
            .OrderByDescending(a => a.CreatedAt)
            .ThenByDescending(a => a.Id)
            .Take(page.Limit + 1)
            .Select(ArticleFields.Projection(fields, viewer))
            .ToListAsync(cancellationToken);
        return ToJson(rows, page, fields, cursorKey);
    }

    // The unfiltered first page in the default shape, the hottest v2 read, is compiled ahead as v1's is (see
    // ArticleQueries.WrittenInLimits) and for the same reasons: a request skips building and funcletizing a LINQ tree, and
    // the limit is SQL text, so PostgreSQL keeps one generic plan (KeysetQueryTests reads it from pg_prepared_statements)
    // where a parameterized LIMIT had it plan every execution. A query built per request cannot have that literal: EF
    // makes even a constant Take a parameter, and EF.Constant has EF generate the SQL afresh on every execution (a tenth
    // of a replica's CPU in perf). Only the default field set, so ?fields= cannot make a client compile thousands of
    // queries.
    private static readonly CompiledQueries<int, Func<ConduitDbContext, long, IAsyncEnumerable<ArticleRow>>> FirstPages = new(CompileFirstPage);

    private static bool IsCompiledFirstPage(KeysetPage page, ArticleField fields) =>
        page.After is null && fields == ArticleField.Summary && ArticleQueries.IsWrittenInLimit(page.Limit);

    internal static async Task<JsonObject> CompiledFirstPageAsync(
        ConduitDbContext db, KeysetPage page, long viewer, byte[] cursorKey, CancellationToken cancellationToken)
    {
        var rows = new List<ArticleRow>(page.Limit + 1);
        await foreach (var row in FirstPages.For(db, page.Limit + 1)(db, viewer).WithCancellation(cancellationToken))
        {
            rows.Add(row);
        }

        return ToJson(rows, page, ArticleField.Summary, cursorKey);
    }

    // (db, viewer) => db.Articles.OrderByDescending(created_at).ThenByDescending(id).Take(<take>).Select(<summary>).
    private static Func<ConduitDbContext, long, IAsyncEnumerable<ArticleRow>> CompileFirstPage(int take)
    {
        Expression<Func<ConduitDbContext, IQueryable<Article>>> newestFirst = db => db.Articles.OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id);
        var projection = ArticleFields.ProjectionFor(ArticleField.Summary);
        var firstPage = Expression.Call(
            typeof(Queryable),
            nameof(Queryable.Select),
            [typeof(Article), typeof(ArticleRow)],
            Expression.Call(typeof(Queryable), nameof(Queryable.Take), [typeof(Article)], newestFirst.Body, Expression.Constant(take)),
            Expression.Quote(Expression.Lambda<Func<Article, ArticleRow>>(projection.Body, projection.Parameters[0])));
        return EF.CompileAsyncQuery(
            Expression.Lambda<Func<ConduitDbContext, long, IQueryable<ArticleRow>>>(firstPage, newestFirst.Parameters[0], projection.Parameters[1]));
    }

    // rows holds up to one more than the page: the extra row only says that a next page exists.
    private static JsonObject ToJson(List<ArticleRow> rows, KeysetPage page, ArticleField fields, byte[] cursorKey)
    {
        var list = new JsonArray();
        foreach (var row in rows.Take(page.Limit))
        {
            list.Add(ArticleFields.ToJson(row, fields));
        }

        var next = rows.Count > page.Limit ? new ArticleCursor(rows[page.Limit - 1].CreatedAt, rows[page.Limit - 1].Id).Encode(cursorKey) : null;
        return new JsonObject { ["articles"] = list, ["nextCursor"] = next };
    }
}

// ?limit= as in v1 (1..100, default 20) and ?cursor= (absent: the first page).
internal readonly record struct KeysetPage(int Limit, ArticleCursor? After)
{
    public static KeysetPage Parse(string? limit, string? cursor, byte[] cursorKey, ValidationErrors errors)
    {
        var paging = Paging.Parse(limit, offset: null, errors);
        ArticleCursor? after = null;
        if (cursor is not null)
        {
            if (ArticleCursor.TryDecode(cursor, cursorKey, out var decoded))
            {
                after = decoded;
            }
            else
            {
                errors.Add("cursor", "is not a cursor this API issued (use nextCursor from the previous page)");
            }
        }

        return new KeysetPage(paging.Limit, after);
    }
}

// The v2 list shape as the OpenAPI document shows it (bodies are written as JsonObject, see ArticleFields.ToJson): with
// ?fields= each article holds only the requested members; nextCursor is null on the last page.
public sealed record ArticlesPageV2(IReadOnlyList<ArticleSummaryView> Articles, string? NextCursor);

public sealed record ArticleV2Services(ReadRouting Reads, IOptions<JwtOptions> Jwt, ClaimsPrincipal User)
{
    internal byte[] CursorKey => field ??= Jwt.Value.SigningKeyBytes;
}

// v2 bodies are built as JsonObject (their shape depends on ?fields=); this serializes them without reflection.
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class ArticlesV2JsonContext : JsonSerializerContext;
