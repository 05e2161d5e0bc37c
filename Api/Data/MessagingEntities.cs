namespace AspireScale.Api.Data;

// A unit of asynchronous work a user asked for (an export); the API writes it with its outbox message in one transaction,
// the Worker moves it through running to succeeded or failed.
public sealed class Job
{
    public Guid Id { get; set; }
    public long OwnerId { get; set; }
    public required string Kind { get; set; }
    public required string Status { get; set; }
    public required string Format { get; set; }
    public string? IdempotencyKey { get; set; }
    public int Attempts { get; set; }
    public string? Error { get; set; }
    public string? Result { get; set; }
    public string? ResultContentType { get; set; }
    // The trace the Worker processed the job in: proves API -> outbox -> RabbitMQ -> Worker is one trace.
    public string? TraceId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }

    public User Owner { get; set; } = null!;
}

public static class JobStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}

// Written in the same transaction as the change it announces; the relay publishes it and stamps SentAt.
public sealed class OutboxMessage
{
    public long Id { get; set; }
    public Guid MessageId { get; set; }
    public required string Type { get; set; }
    public required string Payload { get; set; }
    public string? TraceParent { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? SentAt { get; set; }
}

// One row per (message, consumer) whose effect is committed: written in the effect's transaction, so a redelivered message
// finds it and does nothing.
public sealed class InboxMessage
{
    public Guid MessageId { get; set; }
    public required string Consumer { get; set; }
    public DateTime ProcessedAt { get; set; }
}

// The precomputed feed: one row per (follower, article by someone they follow), written by the Worker on publish and by
// follow (backfill) / unfollow (removal) in the API. Ordered like the feed.
public sealed class FeedEntry
{
    public long UserId { get; set; }
    public long ArticleId { get; set; }
    public long AuthorId { get; set; }
    public DateTime CreatedAt { get; set; }

    public Article Article { get; set; } = null!;
}

// The stand-in for an e-mail: someone commented on your article.
public sealed class Notification
{
    public long Id { get; set; }
    public long UserId { get; set; }
    public required string Kind { get; set; }
    public long CommentId { get; set; }
    public required string ArticleSlug { get; set; }
    public required string ArticleTitle { get; set; }
    public required string ActorUsername { get; set; }
    public required string Body { get; set; }
    public DateTime CreatedAt { get; set; }
}
