using Npgsql;
using System.Text;
using AspireScale.Tests.Infrastructure;
using RabbitMQ.Client;

namespace AspireScale.Tests.Jobs;

// Failures on the real broker: a message that fails every attempt is retried through the delay queues, then parked in
// conduit.jobs.dead with its job marked failed; one that cannot be parsed goes there at once and blocks nothing.
[Collection(SharedTopology.Name)]
public sealed class DeadLetterTests(SharedTopologyFixture fixture) : IAsyncDisposable
{
    private const int MaxAttempts = 5;
    private readonly JobsClient _jobs = new(fixture.App.CreateHttpClient(), fixture.App.GetConnectionString("conduit"));

    public ValueTask DisposeAsync() => _jobs.DisposeAsync();

    [Fact]
    public async Task AJobThatFailsEveryAttemptIsRetriedThenDeadLetteredAndMarkedFailed()
    {
        var user = await _jobs.Conduit.RegisterAsync("doomed");
        var ownerId = await _jobs.UserIdAsync(user.Username);
        var jobId = Guid.NewGuid();
        var messageId = Guid.NewGuid();
        // A job the API would refuse (format "xml"), committed with its outbox row the way the API does: the Worker fails
        // it deterministically on every attempt (1 s + 2 s + 4 s + 8 s of backoff).
        await using (var batch = _jobs.Db.CreateBatch())
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "INSERT INTO jobs (id, owner_id, kind, status, format, attempts, created_at) " +
                "VALUES ($1, $2, 'export', 'queued', 'xml', 0, now())") { Parameters = { new() { Value = jobId }, new() { Value = ownerId } } });
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "INSERT INTO outbox_messages (message_id, type, payload, created_at) VALUES ($1, 'export.requested', $2, now())")
                { Parameters = { new() { Value = messageId }, new() { Value = $"{{\"jobId\":\"{jobId}\"}}" } } });
            await batch.ExecuteNonQueryAsync();
        }

        var failed = await _jobs.WaitForJobAsync(user, jobId, "failed", TimeSpan.FromSeconds(90));

        Assert.Equal(MaxAttempts, failed.GetProperty("attempts").GetInt32());
        Assert.Contains("Unsupported export format", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        var dead = await FindDeadLetterAsync(messageId.ToString());
        Assert.NotNull(dead);
        Assert.Equal(MaxAttempts, dead.BasicProperties.Headers!["x-attempt"]);
    }

    [Fact]
    public async Task AnUnparseableMessageGoesStraightToTheDeadLetterQueueAndJobsBehindItStillComplete()
    {
        var messageId = Guid.NewGuid().ToString();
        var factory = new ConnectionFactory { Uri = new Uri(fixture.App.GetConnectionString("messaging")) };
        await using (var connection = await factory.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true)))
        {
            var properties = new BasicProperties { MessageId = messageId, Type = "export.requested", Persistent = true };
            await channel.BasicPublishAsync("conduit.work", "jobs", mandatory: true, properties, Encoding.UTF8.GetBytes("{not json"));
        }

        var user = await _jobs.Conduit.RegisterAsync("behindpoison");
        var id = await _jobs.AcceptExportAsync(user);
        await _jobs.WaitForJobAsync(user, id, "succeeded", TimeSpan.FromSeconds(60));

        BasicGetResult? dead = null;
        await Eventually.HoldsAsync(async () => (dead = await FindDeadLetterAsync(messageId)) is not null,
            TimeSpan.FromSeconds(30), () => "the poison message in conduit.jobs.dead");
        Assert.Equal(1, dead!.BasicProperties.Headers!["x-attempt"]);
        Assert.Equal("{not json", Encoding.UTF8.GetString(dead.Body.Span));
    }

    // Reads conduit.jobs.dead without acknowledging; closing the channel puts every message back.
    private async Task<BasicGetResult?> FindDeadLetterAsync(string messageId)
    {
        var factory = new ConnectionFactory { Uri = new Uri(fixture.App.GetConnectionString("messaging")) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        while (await channel.BasicGetAsync("conduit.jobs.dead", autoAck: false) is { } message)
        {
            if (message.BasicProperties.MessageId == messageId)
            {
                return message;
            }
        }

        return null;
    }
}
