using AspireScale.Api.Data;
using AspireScale.Api.Messaging;
using AspireScale.Api.Notifications;
using Microsoft.EntityFrameworkCore;

namespace AspireScale.Worker.Handlers;

// A comment on someone's article notifies that article's author (not the commenter about their own article). A comment
// deleted before this runs notifies nobody.
public sealed class CommentNotificationHandler(IServiceScopeFactory scopes, TimeProvider time) : IMessageHandler
{
    private const string Consumer = "comment-notification";

    public string MessageType => MessageTypes.CommentAdded;

    public async Task HandleAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        var added = message.Read(MessagingJsonContext.Default.CommentAdded);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConduitDbContext>();
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var now = time.GetUtcNow().UtcDateTime;
            if (!await Inbox.TryRecordAsync(db, message.MessageId, Consumer, now, ct))
            {
                return;
            }

            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO notifications (user_id, kind, comment_id, article_slug, article_title, actor_username, body, created_at)
                SELECT a.author_id, {NotificationKinds.CommentOnYourArticle}, c.id, a.slug, a.title, u.username, c.body, {now}
                FROM comments c JOIN articles a ON a.id = c.article_id JOIN users u ON u.id = c.author_id
                WHERE c.id = {added.CommentId} AND a.author_id <> c.author_id
                """, ct);
            await transaction.CommitAsync(ct);
        }, cancellationToken);
    }
}
