using AspireScale.Tests.Infrastructure;
using Npgsql;

namespace AspireScale.Tests.Topology;

// However the AppHost ends, nothing it started may outlive it.
[Collection(OwnTopology.Name)]
public sealed class ShutdownTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task StoppingTheAppHostWithSigtermStopsEveryProcessItStarted()
    {
        await using var app = await DistributedApplicationTestingBuilder.Create("--replicas", "2").StartAsync();
        var manifest = await app.RefreshManifestAsync();
        var pids = manifest.AllPids().Concat(ProcessInspector.StartedBy(app.Pid)).Distinct().ToList();

        await app.StopAsync();

        Assert.Equal("stopped", (await app.RefreshManifestAsync()).State);
        var alive = ProcessInspector.StillAlive(pids);
        Assert.True(alive.Count == 0, string.Join("\n", alive));
        Assert.Empty(ProcessInspector.ProcessesMentioning(app.DataDirectory));
        Assert.False(File.Exists(Path.Combine(app.DataDirectory, "apphost.pid")));
    }

    [Fact]
    public async Task KillingTheAppHostWithSigkillLeavesNoProcessBehindAndTheNextStartFindsItsData()
    {
        var first = DistributedApplicationTestingBuilder.Create("--replicas", "2");
        first.DeleteDataDirectoryOnDispose = false;
        await using var app = await first.StartAsync();
        var reported = (await app.RefreshManifestAsync()).AllPids();
        Assert.True(reported.Count >= 9, string.Join(", ", reported));
        var pids = reported.Concat(ProcessInspector.StartedBy(app.Pid)).Distinct().ToList();
        Assert.True(pids.Count > reported.Count + 5, "PostgreSQL's backends and Erlang's helpers should be in the tree too");
        var table = $"survives_restart_{Guid.NewGuid():N}";
        await ExecuteAsync(app.GetConnectionString("postgres"), $"CREATE TABLE {table} (id int); INSERT INTO {table} VALUES (42)");

        app.Kill();
        await app.WaitForExitAsync(Deadline);

        // DCP notices its AppHost is gone and stops what it ran; PostgreSQL's own children follow their postmaster.
        var deadline = DateTime.UtcNow + Deadline;
        while ((pids.Any(ProcessInspector.IsAlive) || ProcessInspector.ProcessesMentioning(app.DataDirectory).Count > 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var alive = ProcessInspector.StillAlive(pids);
        Assert.True(alive.Count == 0, string.Join("\n", alive));
        Assert.Empty(ProcessInspector.ProcessesMentioning(app.DataDirectory));

        // Same folder again: the cluster, its replica and the broker's database are reused, not recreated.
        var second = DistributedApplicationTestingBuilder.Create("--replicas", "2");
        second.DataDirectory = app.DataDirectory;
        await using var restarted = await second.StartAsync();
        Assert.Equal(42, await ScalarAsync(restarted.GetConnectionString("postgres"), $"SELECT id FROM {table}"));
        Assert.Equal(42, await ScalarAsync(restarted.GetConnectionString("postgres-replica"), $"SELECT id FROM {table}"));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
