using System.Collections.Concurrent;
using AspireScale.Tests.Infrastructure;
using Npgsql;

namespace AspireScale.Tests.Api.Infrastructure;

// Direct SQL against the topology's databases: for checks the API cannot make (what is on disk, what the replica has).
public static class Databases
{
    private static readonly ConcurrentDictionary<string, NpgsqlDataSource> Sources = new();

    public static NpgsqlDataSource Primary(this RunningAppHost topology) => Source(topology.GetConnectionString("conduit"));

    public static NpgsqlDataSource Replica(this RunningAppHost topology) => Source(topology.GetConnectionString("conduit-read"));

    public static NpgsqlDataSource ReplicaAdmin(this RunningAppHost topology) => Source(topology.GetConnectionString("postgres-replica"));

    public static async Task<T> ScalarAsync<T>(this NpgsqlDataSource source, string sql, params object[] parameters)
    {
        await using var command = source.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default! : (T)result;
    }

    // Anonymous reads may be served by the replica, which trails the primary by a moment; a test that reads someone else's
    // fresh writes waits here (on the replica's replay position, not on a clock) so it asserts the data, not the lag.
    public static async Task WaitForReplicaAsync(this RunningAppHost topology, TimeSpan? timeout = null)
    {
        var target = await topology.Primary().ScalarAsync<string>("SELECT pg_current_wal_lsn()::text");
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        // Not in recovery means conduit-read is the primary itself: never behind.
        while (!await topology.Replica().ScalarAsync<bool>(
            "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, NOT pg_is_in_recovery())", target))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token);
        }
    }

    // No pooling: a test may kill and restart a server, and a pooled connection to the old process would fail once.
    private static NpgsqlDataSource Source(string connectionString) =>
        Sources.GetOrAdd(connectionString, static value => NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(value) { Pooling = false }));
}
