using System.Globalization;
using System.Linq.Expressions;
using System.Security.Claims;
using AspireScale.Api.Auth;
using AspireScale.Api.Data;
using AspireScale.Api.Infrastructure;
using AspireScale.Api.Messaging;
using AspireScale.Api.Profiles;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace AspireScale.Api.Comments;

public static class CommentsApi
{
    public static RouteGroupBuilder MapCommentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/articles/{slug}/comments").WithTags("Comments").RejectInvalidTokens().DescribesNotFound("article", "slug");

        api.MapGet("", GetComments).WithName("GetArticleComments");

        var signedIn = api.MapGroup("").RequireAuthorization();
        signedIn.MapPost("", AddComment).WithName("CreateArticleComment");
        signedIn.MapDelete("/{id}", DeleteComment).WithName("DeleteArticleComment").ProducesErrors(StatusCodes.Status403Forbidden)
            .DescribesNotFound("comment", "id on this article").DescribesError(StatusCodes.Status403Forbidden, "comment", "forbidden", "the comment is someone else's");

        return api;
    }

    public static async Task<Results<Ok<CommentsEnvelope>, NotFound<ErrorEnvelope>>> GetComments(
        string slug, [AsParameters] CommentServices services, CancellationToken cancellationToken)
    {
        var viewer = services.User.Id();
        var comments = await services.Reads.FindAsync(viewer, (db, ct) => FindCommentsAsync(db, slug, viewer ?? 0, ct), cancellationToken);
        return comments is null ? ApiErrors.NotFound("article") : TypedResults.Ok(new CommentsEnvelope(comments));
    }

    public static async Task<Results<Created<CommentEnvelope>, UnprocessableEntity<ErrorEnvelope>, NotFound<ErrorEnvelope>>> AddComment(
        string slug, NewCommentEnvelope request, [AsParameters] CommentServices services, CancellationToken cancellationToken)
    {
        if (request.Comment is not { } input)
        {
            return ApiErrors.Invalid("comment", "can't be blank");
        }

        var errors = new ValidationErrors();
        var body = errors.Required("body", input.Body, Limits.CommentBody, trim: false);
        if (errors.Any)
        {
            return ApiErrors.Invalid(errors);
        }

        var me = services.User.RequiredId();
        var now = services.Time.UtcNowMicroseconds();
        // Looks the article up, inserts, and queues the author's notification in one statement: an article deleted
        // meanwhile is a 404, not a foreign key error, and the outbox row commits with the comment or not at all.
        var messageId = Outbox.NewMessageId();
        var traceParent = Outbox.CurrentTraceParent;
        var ids = await services.Db.Database.SqlQuery<long>($"""
            WITH added AS (
                INSERT INTO comments (article_id, author_id, body, created_at, updated_at)
                SELECT id, {me}, {body}, {now}, {now} FROM articles WHERE slug = {slug}
                RETURNING id),
            queued AS (
                INSERT INTO outbox_messages (message_id, type, payload, trace_parent, created_at)
                SELECT {messageId}, {MessageTypes.CommentAdded}, json_build_object('commentId', id)::text, {traceParent}, {now} FROM added)
            SELECT id AS "Value" FROM added
            """).ToListAsync(cancellationToken);
        if (ids.Count == 0)
        {
            return ApiErrors.NotFound("article");
        }

        services.Outbox.Wake();
        var id = ids[0];
        // Null only if the comment's article was deleted between the two statements.
        var comment = await services.Reads.ViewAfterWriteAsync(me, services.Db.Comments.Where(c => c.Id == id).Select(ToView(me)), cancellationToken);
        if (comment is null)
        {
            return ApiErrors.NotFound("article");
        }

        return TypedResults.Created($"/api/articles/{slug}/comments/{id}", new CommentEnvelope(comment));
    }

    public static async Task<Results<NoContent, NotFound<ErrorEnvelope>, JsonHttpResult<ErrorEnvelope>>> DeleteComment(
        string slug, string id, [AsParameters] CommentServices services, CancellationToken cancellationToken)
    {
        var me = services.User.RequiredId();
        // An id that is not a positive integer names no comment: it is "not found" like any other, not a malformed request.
        // 0 matches nothing (identity ids start at 1), so the fallback below still tells a missing article apart.
        var commentId = long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
        if (commentId > 0)
        {
            var deleted = await services.Db.Comments
                .Where(c => c.Id == commentId && c.Article.Slug == slug && c.AuthorId == me)
                .ExecuteDeleteAsync(cancellationToken);
            if (deleted > 0)
            {
                await services.Reads.RecordWriteAsync(me, cancellationToken);
                return TypedResults.NoContent();
            }
        }

        // One query on the failure path, naming what is missing outermost first: no article (null), no such comment on
        // it (false, also when the comment belongs to another article), or someone else's comment (true).
        var commentExists = await services.Db.Articles
            .Where(a => a.Slug == slug)
            .Select(a => (bool?)a.Comments.Any(c => c.Id == commentId))
            .SingleOrDefaultAsync(cancellationToken);
        return commentExists switch
        {
            null => ApiErrors.NotFound("article"),
            false => ApiErrors.NotFound("comment"),
            true => ApiErrors.Forbidden("comment"),
        };
    }

    // One command: null when the article does not exist, else its comments newest first.
    private static async Task<List<CommentView>?> FindCommentsAsync(ConduitDbContext db, string slug, long viewer, CancellationToken cancellationToken)
    {
        var article = await db.Articles
            .Where(a => a.Slug == slug)
            .Select(a => new
            {
                Comments = a.Comments.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id).AsQueryable().Select(ToView(viewer)).ToList(),
            })
            .SingleOrDefaultAsync(cancellationToken);
        return article?.Comments;
    }

    private static Expression<Func<Comment, CommentView>> ToView(long viewer) => c => new CommentView(
        c.Id,
        c.CreatedAt,
        c.UpdatedAt,
        c.Body,
        new ProfileView(c.Author.Username, c.Author.Bio, c.Author.Image, c.Author.Followers.Any(f => f.FollowerId == viewer)));
}

public sealed record CommentServices(ConduitDbContext Db, ReadRouting Reads, OutboxSignal Outbox, TimeProvider Time, ClaimsPrincipal User);
