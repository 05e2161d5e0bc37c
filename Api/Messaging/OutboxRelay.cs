using System.Diagnostics;
using System.Text;
using AspireScale.Api.Data;
using Microsoft.EntityFrameworkCore;
using RabbitMQ.Client;

namespace AspireScale.Api.Messaging;

// Publishes committed outbox rows to RabbitMQ and stamps them sent. Every API replica runs one: a batch is claimed with
// FOR UPDATE SKIP LOCKED inside a transaction, published with publisher confirms (persistent, mandatory: an unroutable
// message is an error, not a silent drop), and marked sent in that same transaction. A crash before the commit leaves the
// rows unsent and unlocked, so they are published again: delivery is at least once and the consumers' inbox makes the
// effect happen once. Rows of a rolled-back transaction never exist, so they are never published.
public sealed partial class OutboxRelay(
    IServiceProvider services,
    OutboxSignal signal,
    MessagingMetrics metrics,
    TimeProvider time,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    private const int BatchSize = 100;
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromSeconds(1);

    private IChannel? _channel;

    // Set while publishing fails, cleared by the next successful pass; read by the health check.
    public Exception? LastFailure { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Connecting retries while the broker starts; keep that off the host's start path.
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await PublishBatchAsync(stoppingToken) == BatchSize)
                {
                }

                LastFailure = null;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // Broker or database away: the rows stay unsent; try again shortly.
                LastFailure = exception;
                LogRelayFailed(logger, exception);
                await DropBrokenChannelAsync();
                await Task.Delay(FailureBackoff, time, stoppingToken);
            }

            try
            {
                await signal.WaitAsync(SweepInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task<int> PublishBatchAsync(CancellationToken cancellationToken)
    {
        // The channel first: connecting may take a while and must not happen while holding row locks.
        var channel = await GetChannelAsync(cancellationToken);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConduitDbContext>();
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var batch = await db.OutboxMessages
                .FromSql($"SELECT * FROM outbox_messages WHERE sent_at IS NULL ORDER BY id LIMIT {BatchSize} FOR UPDATE SKIP LOCKED")
                .AsNoTracking()
                .ToListAsync(ct);
            if (batch.Count == 0)
            {
                return 0;
            }

            // Confirms are awaited together: one round trip's worth of waiting for the whole batch.
            await Task.WhenAll(batch.Select(message => PublishAsync(channel, message, ct)));

            var ids = batch.Select(m => m.Id).ToArray();
            var now = time.GetUtcNow().UtcDateTime;
            await db.OutboxMessages.Where(m => ids.Contains(m.Id)).ExecuteUpdateAsync(s => s.SetProperty(m => m.SentAt, now), ct);
            await transaction.CommitAsync(ct);

            foreach (var message in batch)
            {
                metrics.Published(now - message.CreatedAt);
            }

            return batch.Count;
        }, cancellationToken);
    }

    private static async Task PublishAsync(IChannel channel, OutboxMessage message, CancellationToken cancellationToken)
    {
        // The publish span continues the request's trace; the Worker's span becomes its child through the header.
        ActivityContext.TryParse(message.TraceParent, null, out var parent);
        using var activity = MessagingMetrics.ActivitySource.StartActivity($"{MessagingTopology.JobsQueue} publish", ActivityKind.Producer, parent);
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.message.id", message.MessageId.ToString());
        activity?.SetTag("messaging.destination.name", MessagingTopology.WorkExchange);

        var properties = new BasicProperties
        {
            MessageId = message.MessageId.ToString(),
            Type = message.Type,
            ContentType = "application/json",
            Persistent = true,
            Timestamp = new AmqpTimestamp(new DateTimeOffset(message.CreatedAt, TimeSpan.Zero).ToUnixTimeSeconds()),
            Headers = new Dictionary<string, object?>
            {
                [MessagingTopology.AttemptHeader] = 1,
                [MessagingTopology.TraceParentHeader] = activity?.Id ?? message.TraceParent,
            },
        };
        await channel.BasicPublishAsync(MessagingTopology.WorkExchange, MessagingTopology.JobsRoutingKey, mandatory: true, properties,
            Encoding.UTF8.GetBytes(message.Payload), cancellationToken);
    }

    private async Task<IChannel> GetChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open)
        {
            return open;
        }

        await DropBrokenChannelAsync();
        var connection = services.GetRequiredService<IConnection>();
        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        await MessagingTopology.DeclareWorkQueueAsync(channel, cancellationToken);
        _channel = channel;
        return channel;
    }

    private async Task DropBrokenChannelAsync()
    {
        if (_channel is { } channel && !channel.IsOpen)
        {
            _channel = null;
            await channel.DisposeAsync();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_channel is { } channel)
        {
            _channel = null;
            try
            {
                await channel.DisposeAsync();
            }
            catch (ObjectDisposedException)
            {
                // The host's shutdown timeout passed and the connection was disposed under us: the channel went with it.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox relay could not publish; the messages stay queued in the outbox")]
    private static partial void LogRelayFailed(ILogger logger, Exception exception);
}
