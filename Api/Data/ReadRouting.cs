using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AspireScale.Api.Data;

// The one place that decides which database a read goes to.
// Writes always go to the primary. After a user writes, RecordWriteAsync stores the primary's WAL position
// (pg_current_wal_lsn) for that user in Redis; that user's reads then stay on the primary until the replica's
// pg_last_wal_replay_lsn (probed at most every ~100 ms per process) has passed it, so nobody misses their own write.
// Anonymous reads and everyone else go to the replica. A replica that errors is skipped for a few seconds and the read
// is answered by the primary, and a "not found" from the replica is re-checked on the primary (it may be lag).
public sealed partial class ReadRouting(
    ConduitDbContext primary,
    IServiceProvider services,
    ReplicaState replicaState,
    WriteLsnStore writes,
    ILogger<ReadRouting> logger)
{
    private ConduitReadDbContext? replicaContext;

    // Rented from its pool only when a read actually goes to the replica.
    private ConduitReadDbContext? ReplicaContext => replicaState.IsConfigured ? replicaContext ??= services.GetRequiredService<ConduitReadDbContext>() : null;

    public Task<T> ReadAsync<T>(long? userId, Func<ConduitDbContext, CancellationToken, Task<T>> query, CancellationToken cancellationToken) =>
        ReadCoreAsync(userId, query, recheckMissOnPrimary: false, cancellationToken);

    // For single-resource reads: null from the replica may only mean it has not replayed someone else's write yet.
    public async Task<T?> FindAsync<T>(long? userId, Func<ConduitDbContext, CancellationToken, Task<T?>> query, CancellationToken cancellationToken)
        where T : class =>
        await ReadCoreAsync(userId, query, recheckMissOnPrimary: true, cancellationToken);

    // For a write that answers with no read of its own (a delete, a registration): the position costs a round trip.
    public async Task RecordWriteAsync(long userId, CancellationToken cancellationToken)
    {
        if (!replicaState.IsConfigured)
        {
            return;
        }

        var lsn = await primary.Database
            .SqlQueryRaw<string>("SELECT pg_current_wal_lsn()::text AS \"Value\"")
            .SingleAsync(cancellationToken);
        await writes.RememberAsync(userId, ParseLsn(lsn));
    }

    // The view a write answers with, read on the primary together with the WAL position RecordWriteAsync would read: one
    // round trip instead of two. The query runs after the write has committed, so the position it reads is at or past the
    // write's commit record, as RecordWriteAsync's is. With no row there is no position; then it is read on its own.
    public async Task<T?> ViewAfterWriteAsync<T>(long userId, IQueryable<T> view, CancellationToken cancellationToken) where T : class
    {
        if (!replicaState.IsConfigured)
        {
            return await view.SingleOrDefaultAsync(cancellationToken);
        }

        var row = await view.Select(v => new ViewAndPosition<T>(v, WalPosition.Current())).SingleOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            await RecordWriteAsync(userId, cancellationToken);
            return null;
        }

        await writes.RememberAsync(userId, (ulong)row.Position);
        return row.View;
    }

    private sealed record ViewAndPosition<T>(T View, NpgsqlTypes.NpgsqlLogSequenceNumber Position);

    private async Task<T> ReadCoreAsync<T>(
        long? userId, Func<ConduitDbContext, CancellationToken, Task<T>> query, bool recheckMissOnPrimary, CancellationToken cancellationToken)
    {
        var source = await ChooseAsync(userId, cancellationToken);
        if (source is null)
        {
            return await query(primary, cancellationToken);
        }

        try
        {
            var result = await query(source, cancellationToken);
            return recheckMissOnPrimary && result is null ? await query(primary, cancellationToken) : result;
        }
        catch (Exception exception) when (IsReplicaFailure(exception) && !cancellationToken.IsCancellationRequested)
        {
            replicaState.MarkFailed();
            LogReplicaFailed(logger, exception);
            return await query(primary, cancellationToken);
        }
    }

    // The replica context when it may serve this user's read, or null for the primary.
    private async Task<ConduitReadDbContext?> ChooseAsync(long? userId, CancellationToken cancellationToken)
    {
        if (replicaState.IsSkipped || ReplicaContext is not { } source)
        {
            return null;
        }

        if (userId is not { } id || await writes.LastWriteAsync(id) is not { } lastWrite)
        {
            return source;
        }

        var replayed = replicaState.FreshReplayedLsn ?? await ProbeReplayedLsnAsync(source, cancellationToken);
        if (replayed is { } position && position >= lastWrite)
        {
            return source;
        }

        LogReadYourWrites(logger, id);
        return null;
    }

    private async Task<ulong?> ProbeReplayedLsnAsync(ConduitReadDbContext source, CancellationToken cancellationToken)
    {
        try
        {
            // NULL when the "replica" is not in recovery (e.g. conduit-read points at the primary): it is never behind.
            var text = await source.Database
                .SqlQueryRaw<string>("SELECT coalesce(pg_last_wal_replay_lsn()::text, '') AS \"Value\"")
                .SingleAsync(cancellationToken);
            var lsn = text.Length == 0 ? ulong.MaxValue : ParseLsn(text);
            replicaState.RecordReplayedLsn(lsn);
            return lsn;
        }
        catch (Exception exception) when (IsReplicaFailure(exception) && !cancellationToken.IsCancellationRequested)
        {
            replicaState.MarkFailed();
            LogReplicaFailed(logger, exception);
            return null;
        }
    }

    // "16/B374D848" -> 0x16_B374D848
    internal static ulong ParseLsn(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var high = Convert.ToUInt64(text[..slash], 16);
        var low = Convert.ToUInt64(text[(slash + 1)..], 16);
        return (high << 32) | low;
    }

    // The replica being unreachable, restarting, overloaded or cancelling a query for recovery (all transient), not a
    // bad value in the query: a client sending NUL bytes must not switch replica reads off.
    private static bool IsReplicaFailure(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.IsTransient,
        NpgsqlException or TimeoutException => true,
        InvalidOperationException { InnerException: { } inner } => IsReplicaFailure(inner),
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica read failed; answering from the primary and skipping the replica for a few seconds")]
    private static partial void LogReplicaFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "User {UserId} wrote more recently than the replica has replayed; reading from the primary")]
    private static partial void LogReadYourWrites(ILogger logger, long userId);
}
