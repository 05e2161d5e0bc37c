using System.Security.Claims;
using AspireScale.Api.Auth;
using AspireScale.Api.Data;
using AspireScale.Api.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace AspireScale.Api.Notifications;

// The signed-in user's notifications (written by the Worker when someone comments on their article), newest first.
public static class NotificationsApi
{
    public static RouteGroupBuilder MapNotificationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v2/notifications").WithTags("Notifications").RejectInvalidTokens().RequireAuthorization();
        api.MapGet("", ListNotifications).WithName("GetNotifications");
        return api;
    }

    public static async Task<Results<Ok<NotificationsEnvelope>, UnprocessableEntity<ErrorEnvelope>>> ListNotifications(
        string? limit, string? offset, ConduitDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var paging = Paging.Parse(limit, offset, errors);
        if (errors.Any)
        {
            return ApiErrors.Invalid(errors);
        }

        var me = user.RequiredId();
        var mine = db.Notifications.Where(n => n.UserId == me);
        var total = await mine.CountAsync(cancellationToken);
        var page = await mine
            .OrderByDescending(n => n.Id)
            .Skip(paging.Offset)
            .Take(paging.Limit)
            .Select(n => new NotificationView(n.Id, n.Kind, n.ArticleSlug, n.ArticleTitle, n.ActorUsername, n.CommentId, n.Body, n.CreatedAt))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new NotificationsEnvelope(page, total));
    }
}

public sealed record NotificationView(
    long Id, string Kind, string ArticleSlug, string ArticleTitle, string Actor, long CommentId, string Body, DateTime CreatedAt);

public sealed record NotificationsEnvelope(IReadOnlyList<NotificationView> Notifications, int NotificationsCount);

public static class NotificationKinds
{
    public const string CommentOnYourArticle = "comment";
}
