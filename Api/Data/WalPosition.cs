using NpgsqlTypes;

namespace AspireScale.Api.Data;

// PostgreSQL's pg_current_wal_lsn() inside a LINQ query (mapped in ConduitDbContext), so that the position can ride in
// the query a write answers with instead of costing a round trip of its own (ReadRouting.ViewAfterWriteAsync).
public static class WalPosition
{
    public static NpgsqlLogSequenceNumber Current() =>
        throw new NotSupportedException($"{nameof(WalPosition)}.{nameof(Current)} runs only inside a query, as pg_current_wal_lsn().");
}
