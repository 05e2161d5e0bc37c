using AspireScale.Api.Data;
using AspireScale.Api.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AspireScale.Worker.Messaging;

public static class MessageRetentionExtensions
{
    public static IHostApplicationBuilder AddMessageRetention(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MessageRetentionOptions>().BindConfiguration(MessageRetentionOptions.Section)
            .Validate(o => o.Age > TimeSpan.Zero && o.Interval > TimeSpan.Zero && o.BatchSize >= 1 && o.BatchPause >= TimeSpan.Zero,
                "Invalid Messaging:Retention options")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<MessagingMetrics>();
        builder.Services.AddSingleton<MessageRetention>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MessageRetention>());
        return builder;
    }
}

// Section "Messaging:Retention". Defaults in code; every value can be overridden (Messaging__Retention__Age=3.00:00:00).
public sealed class MessageRetentionOptions
{
    public const string Section = "Messaging:Retention";

    // Processed rows older than this go: long enough to look into a recent message's history, short enough that both
    // tables stay the size of a week's traffic instead of growing forever.
    public TimeSpan Age { get; set; } = TimeSpan.FromDays(7);

    // Between runs, give or take 20% so that replicas started together do not run together.
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);

    // Rows per DELETE (one short transaction each), and the pause between two: row locks and WAL come in small bursts
    // that the relay's and the consumers' own writes slip between.
    public int BatchSize { get; set; } = 1000;

    public TimeSpan BatchPause { get; set; } = TimeSpan.FromMilliseconds(100);
}

public sealed record RetentionRun(int OutboxDeleted, int InboxDeleted, int Batches, bool Skipped);

// Deletes processed outbox rows (sent_at set) and inbox rows processed before now - Age, oldest first, in bounded batches.
// An unsent outbox row is never deleted, however old: sent_at < cutoff is never true of a NULL. The inbox only guards
// against redeliveries, which come within minutes (retries back off for seconds), not days.
public sealed partial class MessageRetention(
    IServiceScopeFactory scopes,
    IOptions<MessageRetentionOptions> options,
    MessagingMetrics metrics,
    TimeProvider time,
    ILogger<MessageRetention> logger) : BackgroundService
{
    // One replica at a time: every batch first takes this transaction-scoped advisory lock, or the run stops and waits for
    // the next interval. Not a session lock held for the whole run: through PgBouncer in transaction mode (--pgbouncer)
    // consecutive transactions may use different server connections, so a session lock could be taken on one and never
    // released, and the Api's pools skip the reset that would unlock it (NoResetOnClose). An xact lock ends with its batch.
    public const long LockKey = 0x636F6E6475697472; // "conduitr" as ASCII: any fixed key no other code uses

    // Both walk an index on the age column (ix_outbox_messages_sent_at, partial on sent rows; ix_inbox_messages_processed_at)
    // from the oldest row and stop after BatchSize, so a batch costs the same on a table of a thousand rows or of millions.
    public const string OutboxBatch = """
        DELETE FROM outbox_messages WHERE id IN (
            SELECT id FROM outbox_messages WHERE sent_at < @cutoff ORDER BY sent_at LIMIT @batch)
        """;

    public const string InboxBatch = """
        DELETE FROM inbox_messages WHERE (message_id, consumer) IN (
            SELECT message_id, consumer FROM inbox_messages WHERE processed_at < @cutoff ORDER BY processed_at LIMIT @batch)
        """;

    private readonly MessageRetentionOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.Interval * (0.8 + (0.4 * Random.Shared.NextDouble())), time, stoppingToken);
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception)
            {
                // The database is away or busy: the next run starts over; nothing is half done (each batch commits).
                LogRunFailed(logger, exception);
            }
        }
    }

    public async Task<RetentionRun> RunOnceAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow().UtcDateTime - _options.Age;
        var outbox = await DeleteInBatchesAsync("outbox_messages", OutboxBatch, cutoff, cancellationToken);
        var inbox = outbox.Skipped ? default : await DeleteInBatchesAsync("inbox_messages", InboxBatch, cutoff, cancellationToken);
        var run = new RetentionRun(outbox.Deleted, inbox.Deleted, outbox.Batches + inbox.Batches, outbox.Skipped || inbox.Skipped);
        if (run.Skipped)
        {
            LogSkipped(logger, run.OutboxDeleted, run.InboxDeleted);
        }
        else
        {
            LogDeleted(logger, run.OutboxDeleted, run.InboxDeleted, cutoff, run.Batches);
        }

        return run;
    }

    private async Task<(int Deleted, int Batches, bool Skipped)> DeleteInBatchesAsync(
        string table, string batchSql, DateTime cutoff, CancellationToken cancellationToken)
    {
        var deleted = 0;
        for (var batches = 1; ; batches++)
        {
            if (await DeleteBatchAsync(batchSql, cutoff, cancellationToken) is not { } rows)
            {
                return (deleted, batches - 1, true);
            }

            deleted += rows;
            if (rows > 0)
            {
                metrics.RetentionDeleted(table, rows);
            }

            if (rows < _options.BatchSize)
            {
                return (deleted, batches, false);
            }

            await Task.Delay(_options.BatchPause, time, cancellationToken);
        }
    }

    // Null when another replica holds the lock.
    private async Task<int?> DeleteBatchAsync(string batchSql, DateTime cutoff, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConduitDbContext>();
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            if (!await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock({LockKey}) AS \"Value\"").SingleAsync(ct))
            {
                return (int?)null;
            }

            var rows = await db.Database.ExecuteSqlRawAsync(
                batchSql, [new NpgsqlParameter("cutoff", cutoff), new NpgsqlParameter("batch", _options.BatchSize)], ct);
            await transaction.CommitAsync(ct);
            return rows;
        }, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Retention deleted {OutboxRows} outbox and {InboxRows} inbox rows processed before {Cutoff:O} in {Batches} batches")]
    private static partial void LogDeleted(ILogger logger, int outboxRows, int inboxRows, DateTime cutoff, int batches);

    [LoggerMessage(Level = LogLevel.Debug,
        Message = "Retention stopped after {OutboxRows} outbox and {InboxRows} inbox rows: another replica holds the lock")]
    private static partial void LogSkipped(ILogger logger, int outboxRows, int inboxRows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention run failed; retrying at the next interval")]
    private static partial void LogRunFailed(ILogger logger, Exception exception);
}
