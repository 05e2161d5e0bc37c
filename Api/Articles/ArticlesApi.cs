using System.Security.Claims;
using AspireScale.Api.Auth;
using AspireScale.Api.Data;
using AspireScale.Api.Infrastructure;
using AspireScale.Api.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace AspireScale.Api.Articles;

public static partial class ArticlesApi
{
    private const int SlugAttempts = 5;

    public static RouteGroupBuilder MapArticlesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/articles").WithTags("Articles").RejectInvalidTokens();

        api.MapGet("", ListArticles).WithName("GetArticles");
        api.MapGet("/{slug}", GetArticle).WithName("GetArticle").DescribesNotFound("article", "slug");

        var signedIn = api.MapGroup("").RequireAuthorization();
        signedIn.MapGet("/feed", GetFeed).WithName("GetArticlesFeed");
        signedIn.MapPost("", CreateArticle).WithName("CreateArticle");
        signedIn.MapPut("/{slug}", UpdateArticle).WithName("UpdateArticle").ProducesErrors(StatusCodes.Status403Forbidden)
            .DescribesNotFound("article", "slug").DescribesError(StatusCodes.Status403Forbidden, "article", "forbidden", "the article is someone else's");
        signedIn.MapDelete("/{slug}", DeleteArticle).WithName("DeleteArticle").ProducesErrors(StatusCodes.Status403Forbidden)
            .DescribesNotFound("article", "slug").DescribesError(StatusCodes.Status403Forbidden, "article", "forbidden", "the article is someone else's");
        signedIn.MapPost("/{slug}/favorite", Favorite).WithName("CreateArticleFavorite").WithTags("Favorites").DescribesNotFound("article", "slug");
        signedIn.MapDelete("/{slug}/favorite", Unfavorite).WithName("DeleteArticleFavorite").WithTags("Favorites").DescribesNotFound("article", "slug");

        return api;
    }

    public static async Task<Results<Ok<ArticlesEnvelope>, UnprocessableEntity<ErrorEnvelope>>> ListArticles(
        string? tag, string? author, string? favorited, string? limit, string? offset,
        [AsParameters] ArticleServices services, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var paging = Paging.Parse(limit, offset, errors);
        if (errors.Any)
        {
            return ApiErrors.Invalid(errors);
        }

        var viewer = services.User.Id();
        var page = await services.Reads.ReadAsync(
            viewer,
            (db, ct) => ArticleQueries.ListAsync(db, tag, author, favorited, paging, viewer, ct),
            cancellationToken);
        return TypedResults.Ok(page);
    }

    public static async Task<Results<Ok<ArticlesEnvelope>, UnprocessableEntity<ErrorEnvelope>>> GetFeed(
        string? limit, string? offset, [AsParameters] ArticleServices services, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var paging = Paging.Parse(limit, offset, errors);
        if (errors.Any)
        {
            return ApiErrors.Invalid(errors);
        }

        var me = services.User.RequiredId();
        var page = await services.Reads.ReadAsync(
            me, (db, ct) => ArticleQueries.PageAsync(ArticleQueries.Feed(db, me), paging, me, ct), cancellationToken);
        return TypedResults.Ok(page);
    }

    public static async Task<Results<Ok<ArticleEnvelope>, NotFound<ErrorEnvelope>>> GetArticle(
        string slug, [AsParameters] ArticleServices services, CancellationToken cancellationToken)
    {
        var viewer = services.User.Id();
        var article = await services.Reads.FindAsync(viewer, (db, ct) => ArticleQueries.FindAsync(db, slug, viewer, ct), cancellationToken);
        return article is null ? ApiErrors.NotFound("article") : TypedResults.Ok(new ArticleEnvelope(article));
    }

    public static async Task<Results<Created<ArticleEnvelope>, UnprocessableEntity<ErrorEnvelope>>> CreateArticle(
        NewArticleEnvelope request, [AsParameters] ArticleServices services, CancellationToken cancellationToken)
    {
        if (request.Article is not { } input)
        {
            return ApiErrors.Invalid("article", "can't be blank");
        }

        var errors = new ValidationErrors();
        var title = errors.Required("title", input.Title, Limits.Title);
        var description = errors.Required("description", input.Description, Limits.Description);
        var body = errors.Required("body", input.Body, Limits.Body, trim: false);
        var tags = ArticleRules.Tags(errors, input.TagList);
        if (errors.Any)
        {
            return ApiErrors.Invalid(errors);
        }

        var me = services.User.RequiredId();
        var now = services.Time.UtcNowMicroseconds();
        var baseSlug = Slugs.FromTitle(title);
        var slug = baseSlug;
        // The article and its outbox row (the Worker copies it into the followers' feeds: fan-out on write) in one
        // statement: atomic on its own, so one round trip instead of SaveChanges' BEGIN + INSERTs, then COMMIT.
        var message = Outbox.Message(MessageTypes.ArticlePublished, new ArticlePublished(me), MessagingJsonContext.Default.ArticlePublished, now);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await services.Db.Database.ExecuteSqlAsync($"""
                    WITH article AS (
                        INSERT INTO articles (slug, title, description, body, tag_list, author_id, created_at, updated_at)
                        VALUES ({slug}, {title}, {description}, {body}, {tags}, {me}, {now}, {now}))
                    INSERT INTO outbox_messages (message_id, type, payload, trace_parent, created_at)
                    VALUES ({message.MessageId}, {message.Type}, {message.Payload}, {message.TraceParent}, {now})
                    """, cancellationToken);
                break;
            }
            catch (Exception exception) when (exception.UniqueViolation() == ConstraintNames.ArticlesSlug && attempt < SlugAttempts)
            {
                // Equal titles get distinct slugs; the unique index settles races between concurrent creates.
                slug = Slugs.WithSuffix(baseSlug);
            }
        }

        services.Outbox.Wake();
        var view = await services.Reads.ViewAfterWriteAsync(me, ArticleQueries.Find(services.Db, slug, me), cancellationToken);
        return TypedResults.Created($"/api/articles/{slug}", new ArticleEnvelope(view!));
    }

    public static async Task<Results<Ok<ArticleEnvelope>, UnprocessableEntity<ErrorEnvelope>, NotFound<ErrorEnvelope>, JsonHttpResult<ErrorEnvelope>>> UpdateArticle(
        string slug, UpdateArticleEnvelope request, [AsParameters] ArticleServices services, CancellationToken cancellationToken)
    {
        if (request.Article is not { } input)
        {
            return ApiErrors.Invalid("article", "can't be blank");
        }

        var errors = new ValidationErrors();
        var title = errors.OptionalNonBlank("title", input.Title, Limits.Title);
        var description = errors.OptionalNonBlank("description", input.Description, Limits.Description);
        var body = errors.OptionalNonBlank("body", input.Body, Limits.Body, trim: false);
        var tags = input.TagList is null ? null : ArticleRules.Tags(errors, input.TagList);
        if (title is null && description is null && body is null && tags is null)
        {
            errors.Add("article", "must change at least one of title, description, body, tagList");
        }

        if (errors.Any)
        {
            return ApiErrors.Invalid(errors);
        }

        var me = services.User.RequiredId();
        var now = services.Time.UtcNowMicroseconds();
        // A new title means a new slug, unless the current one already stands for it.
        var titleSlug = title is null ? null : Slugs.FromTitle(title);
        var newSlug = titleSlug is null || Slugs.Fits(slug, titleSlug) ? slug : titleSlug;
        int updated;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // The ownership check is part of the UPDATE: no row of someone else's can change.
                updated = await services.Db.Articles
                    .Where(a => a.Slug == slug && a.AuthorId == me)
                    .ExecuteUpdateAsync(article =>
                    {
                        article.SetProperty(a => a.UpdatedAt, now);
                        if (title is not null)
                        {
                            article.SetProperty(a => a.Title, title);
                            article.SetProperty(a => a.Slug, newSlug);
                        }

                        if (description is not null)
                        {
                            article.SetProperty(a => a.Description, description);
                        }

                        if (body is not null)
                        {
                            article.SetProperty(a => a.Body, body);
                        }

                        if (tags is not null)
                        {
                            article.SetProperty(a => a.TagList, tags);
                        }
                    }, cancellationToken);
                break;
            }
            catch (Exception exception) when (exception.UniqueViolation() == ConstraintNames.ArticlesSlug && attempt < SlugAttempts)
            {
                newSlug = Slugs.WithSuffix(titleSlug!);
            }
        }

        if (updated == 0)
        {
            return await ArticleExistsAsync(services.Db, slug, cancellationToken) ? ApiErrors.Forbidden("article") : ApiErrors.NotFound("article");
        }

        var view = await services.Reads.ViewAfterWriteAsync(me, ArticleQueries.Find(services.Db, newSlug, me), cancellationToken);
        return view is null ? ApiErrors.NotFound("article") : TypedResults.Ok(new ArticleEnvelope(view));
    }

    public static async Task<Results<NoContent, NotFound<ErrorEnvelope>, JsonHttpResult<ErrorEnvelope>>> DeleteArticle(
        string slug, [AsParameters] ArticleServices services, CancellationToken cancellationToken)
    {
        var me = services.User.RequiredId();
        // Comments, favorites and feed entries go with it (ON DELETE CASCADE), in the same statement.
        var deleted = await services.Db.Articles.Where(a => a.Slug == slug && a.AuthorId == me).ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0)
        {
            return await ArticleExistsAsync(services.Db, slug, cancellationToken) ? ApiErrors.Forbidden("article") : ApiErrors.NotFound("article");
        }

        await services.Reads.RecordWriteAsync(me, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<ArticleEnvelope>, NotFound<ErrorEnvelope>>> Favorite(
        string slug, [AsParameters] ArticleServices services, CancellationToken cancellationToken)
    {
        var me = services.User.RequiredId();
        // Insert-if-absent in one statement: favoriting twice is not an error, a missing article inserts nothing.
        var inserted = await services.Db.Database.ExecuteSqlAsync(
            $"INSERT INTO favorites (user_id, article_id) SELECT {me}, id FROM articles WHERE slug = {slug} ON CONFLICT DO NOTHING",
            cancellationToken);
        return await RespondAfterFavoriteAsync(services, me, slug, inserted, cancellationToken);
    }

    public static async Task<Results<Ok<ArticleEnvelope>, NotFound<ErrorEnvelope>>> Unfavorite(
        string slug, [AsParameters] ArticleServices services, CancellationToken cancellationToken)
    {
        var me = services.User.RequiredId();
        var deleted = await services.Db.Favorites.Where(f => f.UserId == me && f.Article.Slug == slug).ExecuteDeleteAsync(cancellationToken);
        return await RespondAfterFavoriteAsync(services, me, slug, deleted, cancellationToken);
    }

    private static async Task<Results<Ok<ArticleEnvelope>, NotFound<ErrorEnvelope>>> RespondAfterFavoriteAsync(
        ArticleServices services, long me, string slug, int changedRows, CancellationToken cancellationToken)
    {
        var view = changedRows > 0
            ? await services.Reads.ViewAfterWriteAsync(me, ArticleQueries.Find(services.Db, slug, me), cancellationToken)
            : await ArticleQueries.FindAsync(services.Db, slug, me, cancellationToken);
        return view is null ? ApiErrors.NotFound("article") : TypedResults.Ok(new ArticleEnvelope(view));
    }

    // Only on the failure path of an owner-scoped write: tells "not yours" (403) from "not there" (404).
    private static Task<bool> ArticleExistsAsync(ConduitDbContext db, string slug, CancellationToken cancellationToken) =>
        db.Articles.AnyAsync(a => a.Slug == slug, cancellationToken);
}

public sealed record ArticleServices(ConduitDbContext Db, ReadRouting Reads, OutboxSignal Outbox, TimeProvider Time, ClaimsPrincipal User);
