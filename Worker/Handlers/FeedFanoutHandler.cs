using AspireScale.Api.Data;
using AspireScale.Api.Messaging;
using Microsoft.EntityFrameworkCore;

namespace AspireScale.Worker.Handlers;

// Fan-out on write: copies the author's not-yet-fanned-out articles into each follower's feed_entries and flags them
// fanned out, in one statement (so an article committed meanwhile is either both copied and flagged, or neither).
// FOR SHARE on the follows rows makes a concurrent unfollow wait for this commit, then delete what it wrote.
public sealed class FeedFanoutHandler(IServiceScopeFactory scopes, TimeProvider time) : IMessageHandler
{
    private const string Consumer = "feed-fanout";

    public string MessageType => MessageTypes.ArticlePublished;

    public async Task HandleAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        var published = message.Read(MessagingJsonContext.Default.ArticlePublished);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConduitDbContext>();
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            if (!await Inbox.TryRecordAsync(db, message.MessageId, Consumer, time.GetUtcNow().UtcDateTime, ct))
            {
                return;
            }

            await db.Database.ExecuteSqlAsync($"""
                WITH marked AS (
                    UPDATE articles SET fanned_out = true
                    WHERE author_id = {published.AuthorId} AND NOT fanned_out
                    RETURNING id, author_id, created_at),
                followers AS (
                    SELECT f.follower_id FROM follows f WHERE f.followee_id = {published.AuthorId} FOR SHARE)
                INSERT INTO feed_entries (user_id, article_id, author_id, created_at)
                SELECT followers.follower_id, marked.id, marked.author_id, marked.created_at FROM marked CROSS JOIN followers
                ON CONFLICT DO NOTHING
                """, ct);
            await transaction.CommitAsync(ct);
        }, cancellationToken);
    }
}
