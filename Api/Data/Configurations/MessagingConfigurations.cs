using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AspireScale.Api.Data.Configurations;

internal sealed class JobConfiguration : IEntityTypeConfiguration<Job>
{
    public void Configure(EntityTypeBuilder<Job> job)
    {
        job.ToTable("jobs");
        job.HasKey(j => j.Id);
        job.Property(j => j.Id).HasColumnName("id").ValueGeneratedNever();
        job.Property(j => j.OwnerId).HasColumnName("owner_id");
        job.Property(j => j.Kind).HasColumnName("kind").HasMaxLength(32);
        job.Property(j => j.Status).HasColumnName("status").HasMaxLength(16);
        job.Property(j => j.Format).HasColumnName("format").HasMaxLength(16);
        job.Property(j => j.IdempotencyKey).HasColumnName("idempotency_key").HasMaxLength(Limits.IdempotencyKey);
        job.Property(j => j.Attempts).HasColumnName("attempts");
        job.Property(j => j.Error).HasColumnName("error");
        job.Property(j => j.Result).HasColumnName("result");
        job.Property(j => j.ResultContentType).HasColumnName("result_content_type").HasMaxLength(64);
        job.Property(j => j.TraceId).HasColumnName("trace_id").HasMaxLength(32);
        job.Property(j => j.CreatedAt).HasColumnName("created_at");
        job.Property(j => j.StartedAt).HasColumnName("started_at");
        job.Property(j => j.CompletedAt).HasColumnName("completed_at");

        job.HasOne(j => j.Owner).WithMany().HasForeignKey(j => j.OwnerId).OnDelete(DeleteBehavior.Cascade);
        // The same Idempotency-Key from the same user is the same job; the index settles concurrent retries.
        job.HasIndex(j => new { j.OwnerId, j.IdempotencyKey }).IsUnique().HasFilter("idempotency_key IS NOT NULL")
            .HasDatabaseName(ConstraintNames.JobsIdempotencyKey);
    }
}

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> message)
    {
        message.ToTable("outbox_messages");
        message.HasKey(m => m.Id);
        message.Property(m => m.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        message.Property(m => m.MessageId).HasColumnName("message_id");
        message.Property(m => m.Type).HasColumnName("type").HasMaxLength(64);
        message.Property(m => m.Payload).HasColumnName("payload");
        message.Property(m => m.TraceParent).HasColumnName("trace_parent").HasMaxLength(64);
        message.Property(m => m.CreatedAt).HasColumnName("created_at");
        message.Property(m => m.SentAt).HasColumnName("sent_at");
        // The relay's claim query: unsent rows in commit order; sent rows drop out of the index.
        message.HasIndex(m => m.Id).HasFilter("sent_at IS NULL").HasDatabaseName("ix_outbox_messages_unsent");
        // Retention's walk over sent rows, oldest first (Worker/Messaging/MessageRetention.cs); unsent rows stay out of it.
        message.HasIndex(m => m.SentAt).HasFilter("sent_at IS NOT NULL").HasDatabaseName("ix_outbox_messages_sent_at");
    }
}

internal sealed class InboxMessageConfiguration : IEntityTypeConfiguration<InboxMessage>
{
    public void Configure(EntityTypeBuilder<InboxMessage> message)
    {
        message.ToTable("inbox_messages");
        message.HasKey(m => new { m.MessageId, m.Consumer });
        message.Property(m => m.MessageId).HasColumnName("message_id");
        message.Property(m => m.Consumer).HasColumnName("consumer").HasMaxLength(64);
        message.Property(m => m.ProcessedAt).HasColumnName("processed_at");
        // Retention's walk, oldest first: without it each batch would scan the whole table.
        message.HasIndex(m => m.ProcessedAt).HasDatabaseName("ix_inbox_messages_processed_at");
    }
}

internal sealed class FeedEntryConfiguration : IEntityTypeConfiguration<FeedEntry>
{
    public void Configure(EntityTypeBuilder<FeedEntry> entry)
    {
        entry.ToTable("feed_entries");
        entry.HasKey(e => new { e.UserId, e.ArticleId });
        entry.Property(e => e.UserId).HasColumnName("user_id");
        entry.Property(e => e.ArticleId).HasColumnName("article_id");
        entry.Property(e => e.AuthorId).HasColumnName("author_id");
        entry.Property(e => e.CreatedAt).HasColumnName("created_at");

        entry.HasOne<User>().WithMany().HasForeignKey(e => e.UserId).OnDelete(DeleteBehavior.Cascade);
        // Deleting an article removes it from every feed in the same statement.
        entry.HasOne(e => e.Article).WithMany().HasForeignKey(e => e.ArticleId).OnDelete(DeleteBehavior.Cascade);
        // The feed page, already in order; and unfollow's "that author's entries in my feed".
        entry.HasIndex(e => new { e.UserId, e.CreatedAt, e.ArticleId }).IsDescending(false, true, true)
            .HasDatabaseName("ix_feed_entries_user_id_created_at_article_id");
        entry.HasIndex(e => new { e.UserId, e.AuthorId }).HasDatabaseName("ix_feed_entries_user_id_author_id");
        entry.HasIndex(e => e.ArticleId).HasDatabaseName("ix_feed_entries_article_id");
    }
}

internal sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> notification)
    {
        notification.ToTable("notifications");
        notification.HasKey(n => n.Id);
        notification.Property(n => n.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        notification.Property(n => n.UserId).HasColumnName("user_id");
        notification.Property(n => n.Kind).HasColumnName("kind").HasMaxLength(32);
        notification.Property(n => n.CommentId).HasColumnName("comment_id");
        notification.Property(n => n.ArticleSlug).HasColumnName("article_slug").HasMaxLength(Limits.Slug);
        notification.Property(n => n.ArticleTitle).HasColumnName("article_title").HasMaxLength(Limits.Title);
        notification.Property(n => n.ActorUsername).HasColumnName("actor_username");
        notification.Property(n => n.Body).HasColumnName("body");
        notification.Property(n => n.CreatedAt).HasColumnName("created_at");

        notification.HasOne<User>().WithMany().HasForeignKey(n => n.UserId).OnDelete(DeleteBehavior.Cascade);
        notification.HasIndex(n => new { n.UserId, n.Id }).IsDescending(false, true).HasDatabaseName("ix_notifications_user_id_id");
    }
}
