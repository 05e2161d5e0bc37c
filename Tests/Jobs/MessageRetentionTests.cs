extern alias worker;

using System.Diagnostics.Metrics;
using AspireScale.Api.Data;
using AspireScale.Api.Messaging;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using worker::AspireScale.Worker.Messaging;

namespace AspireScale.Tests.Jobs;

// The Worker's retention run, called directly against the topology's PostgreSQL. Each test gets copies of the two tables
// (same columns, defaults and indexes) in a schema of its own, first on its connections' search path: the retention's
// unqualified statements run against them, so every count is exactly this test's rows, whatever else the database holds.
[Collection(SharedTopology.Name)]
public sealed class MessageRetentionTests(SharedTopologyFixture fixture) : IAsyncLifetime, IDisposable
{
    private readonly string _schema = "retention_" + Guid.NewGuid().ToString("N")[..12];
    private NpgsqlDataSource? _db;
    private ServiceProvider? _services;
    private readonly Dictionary<string, long> _deletedByTable = [];
    private MeterListener? _listener;

    private NpgsqlDataSource Db => _db!;

    public async Task InitializeAsync()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(fixture.App.GetConnectionString("conduit")) { SearchPath = _schema, Pooling = false }.ConnectionString;
        _db = NpgsqlDataSource.Create(connectionString);
        await ExecuteAsync($"""
            CREATE SCHEMA {_schema};
            CREATE TABLE {_schema}.outbox_messages (LIKE public.outbox_messages INCLUDING ALL);
            CREATE TABLE {_schema}.inbox_messages (LIKE public.inbox_messages INCLUDING ALL);
            """);

        _services = new ServiceCollection()
            .AddLogging()
            .AddMetrics()
            .AddSingleton<MessagingMetrics>()
            .AddDbContext<ConduitDbContext>(options => options.UseNpgsql(connectionString))
            .BuildServiceProvider();

        // Only this provider's meter: other in-process services in the test run have meters of the same name.
        var meterFactory = _services.GetRequiredService<IMeterFactory>();
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "messaging.retention.deleted" && ReferenceEquals(instrument.Meter.Scope, meterFactory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((_, rows, tags, _) =>
        {
            var table = (string)tags.ToArray().Single(tag => tag.Key == "table").Value!;
            lock (_deletedByTable)
            {
                _deletedByTable[table] = _deletedByTable.GetValueOrDefault(table) + rows;
            }
        });
        _listener.Start();
    }

    public void Dispose() => _listener?.Dispose();

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        if (_db is not null)
        {
            await ExecuteAsync($"DROP SCHEMA {_schema} CASCADE");
            await _db.DisposeAsync();
        }
    }

    [Fact]
    public async Task OldProcessedRowsAreDeletedInBoundedBatchesWhileUnsentAndRecentRowsStay()
    {
        var oldSent = await InsertOutboxAsync(5, createdDaysAgo: 31, sentDaysAgo: 30);
        var oldUnsent = await InsertOutboxAsync(2, createdDaysAgo: 60, sentDaysAgo: null);
        var recentSent = await InsertOutboxAsync(2, createdDaysAgo: 1, sentDaysAgo: 0.5);
        var oldInbox = await InsertInboxAsync(3, processedDaysAgo: 30);
        var recentInbox = await InsertInboxAsync(2, processedDaysAgo: 0.5);

        var run = await Retention(batchSize: 2).RunOnceAsync(CancellationToken.None);

        // 5 outbox rows in batches of 2, 2 and 1; 3 inbox rows in 2 and 1: never more than the batch size in a statement.
        Assert.Equal(new RetentionRun(OutboxDeleted: 5, InboxDeleted: 3, Batches: 5, Skipped: false), run);
        Assert.Equal(oldUnsent.Concat(recentSent), await IdsAsync("SELECT message_id FROM outbox_messages ORDER BY id"));
        Assert.Equal(recentInbox, await IdsAsync("SELECT message_id FROM inbox_messages ORDER BY processed_at"));
        Assert.DoesNotContain(oldSent[0], await IdsAsync("SELECT message_id FROM outbox_messages"));
        Assert.DoesNotContain(oldInbox[0], await IdsAsync("SELECT message_id FROM inbox_messages"));
        lock (_deletedByTable)
        {
            Assert.Equal(new Dictionary<string, long> { ["outbox_messages"] = 5, ["inbox_messages"] = 3 }, _deletedByTable);
        }
    }

    [Fact]
    public async Task WhileAnotherReplicaHoldsTheRetentionLockARunDeletesNothingAndTheNextRunDoes()
    {
        await InsertOutboxAsync(3, createdDaysAgo: 10, sentDaysAgo: 9);
        var retention = Retention(batchSize: 1000);

        await using (var otherReplica = await Db.OpenConnectionAsync())
        await using (var transaction = await otherReplica.BeginTransactionAsync())
        {
            await using var lockIt = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({MessageRetention.LockKey})", otherReplica, transaction);
            await lockIt.ExecuteNonQueryAsync();

            Assert.Equal(new RetentionRun(0, 0, 0, Skipped: true), await retention.RunOnceAsync(CancellationToken.None));
            Assert.Equal(3L, await Db.ScalarAsync<long>("SELECT count(*) FROM outbox_messages"));
        }

        Assert.Equal(new RetentionRun(3, 0, 2, Skipped: false), await retention.RunOnceAsync(CancellationToken.None));
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM outbox_messages"));
    }

    [Theory]
    [InlineData(MessageRetention.OutboxBatch, "ix_outbox_messages_sent_at")]
    [InlineData(MessageRetention.InboxBatch, "ix_inbox_messages_processed_at")]
    public async Task EachBatchWalksTheMigrationsIndexOnTheAgeColumn(string batchSql, string index)
    {
        // The real tables, with the indexes the migrations made; sequential scans off, so that a tiny table's cheap scan
        // does not hide a statement that could not use the index at all.
        await using var connection = await fixture.App.Primary().OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var off = new NpgsqlCommand("SET LOCAL enable_seqscan = off", connection, transaction))
        {
            await off.ExecuteNonQueryAsync();
        }

        await using var explain = new NpgsqlCommand("EXPLAIN " + batchSql, connection, transaction)
        {
            Parameters = { new("cutoff", DateTime.UtcNow.AddDays(-7)), new("batch", 1000) },
        };
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        Assert.Contains(plan, line => line.Contains($"Index Scan using {index}", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("Seq Scan", StringComparison.Ordinal));
    }

    private MessageRetention Retention(int batchSize) => new(
        _services!.GetRequiredService<IServiceScopeFactory>(),
        Options.Create(new MessageRetentionOptions { BatchSize = batchSize, BatchPause = TimeSpan.Zero }),
        _services!.GetRequiredService<MessagingMetrics>(),
        TimeProvider.System,
        NullLogger<MessageRetention>.Instance);

    private async Task<Guid[]> InsertOutboxAsync(int count, double createdDaysAgo, double? sentDaysAgo)
    {
        var ids = Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToArray();
        foreach (var id in ids)
        {
            await using var command = Db.CreateCommand(
                "INSERT INTO outbox_messages (message_id, type, payload, created_at, sent_at) " +
                "VALUES ($1, 'export.requested', '{}', now() - make_interval(secs => $2), now() - make_interval(secs => $3))");
            command.Parameters.Add(new() { Value = id });
            command.Parameters.Add(new() { Value = createdDaysAgo * 86400 });
            command.Parameters.Add(new() { Value = sentDaysAgo is { } days ? days * 86400 : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Double });
            await command.ExecuteNonQueryAsync();
        }

        return ids;
    }

    private async Task<Guid[]> InsertInboxAsync(int count, double processedDaysAgo)
    {
        var ids = Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToArray();
        foreach (var id in ids)
        {
            await using var command = Db.CreateCommand(
                "INSERT INTO inbox_messages (message_id, consumer, processed_at) VALUES ($1, 'export', now() - make_interval(secs => $2))");
            command.Parameters.Add(new() { Value = id });
            command.Parameters.Add(new() { Value = processedDaysAgo * 86400 });
            await command.ExecuteNonQueryAsync();
        }

        return ids;
    }

    private async Task<Guid[]> IdsAsync(string sql)
    {
        var ids = new List<Guid>();
        await using var command = Db.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }

        return [.. ids];
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = Db.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
