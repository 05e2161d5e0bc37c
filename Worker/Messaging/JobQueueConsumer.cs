using System.Collections.Frozen;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using AspireScale.Api.Messaging;
using AspireScale.Worker.Handlers;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace AspireScale.Worker.Messaging;

public static class JobProcessingExtensions
{
    // The handlers are chained here, at registration: one per message type.
    public static IHostApplicationBuilder AddJobProcessing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section)
            .Validate(o => o.MaxAttempts >= 1 && o.RetryBaseDelay > TimeSpan.Zero && o.Prefetch >= 1 && o.Concurrency >= 1, "Invalid Jobs options")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<MessagingMetrics>();
        builder.Services.AddSingleton<IMessageHandler, ExportHandler>();
        builder.Services.AddSingleton<IMessageHandler, FeedFanoutHandler>();
        builder.Services.AddSingleton<IMessageHandler, CommentNotificationHandler>();
        builder.Services.AddSingleton<JobQueueConsumer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<JobQueueConsumer>());
        builder.Services.AddHealthChecks().AddCheck<JobQueueConsumerHealthCheck>("job-consumer", tags: ["ready"]);
        return builder;
    }
}

// Consumes conduit.jobs with manual acks, a prefetch limit and a bounded number of deliveries in flight.
// A delivery is acknowledged only after its outcome is durable: the handler committed, or a copy was confirmed into a
// retry queue (attempt + 1, delayed by the queue's TTL, never by sleeping here) or into conduit.jobs.dead. A Worker that
// dies before the ack gets the message redelivered to another consumer; the handlers' inbox makes that harmless.
public sealed partial class JobQueueConsumer(
    IServiceProvider services,
    IEnumerable<IMessageHandler> handlers,
    IOptions<JobsOptions> options,
    MessagingMetrics metrics,
    ILogger<JobQueueConsumer> logger) : BackgroundService
{
    private static readonly TimeSpan DepthSampleInterval = TimeSpan.FromSeconds(5);

    private readonly FrozenDictionary<string, IMessageHandler> _handlers = handlers.ToFrozenDictionary(h => h.MessageType);
    private readonly JobsOptions _options = options.Value;
    private IChannel? _consumerChannel;
    private IChannel? _publisher;
    private AsyncEventingBasicConsumer? _consumer;

    public bool IsConsuming => _consumerChannel is { IsOpen: true } && _consumer is { IsRunning: true };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Connecting retries while the broker starts; keep that off the host's start path.
        await Task.Yield();
        await StartConsumingAsync(stoppingToken);

        // Automatic recovery re-opens the channels and re-registers the consumer after a broker restart; this loop only
        // samples the queue depth for the metrics.
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(DepthSampleInterval, stoppingToken);
                if (_publisher is { IsOpen: true } publisher)
                {
                    metrics.QueueDepth(await publisher.MessageCountAsync(MessagingTopology.JobsQueue, stoppingToken));
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception)
            {
                LogDepthSampleFailed(logger, exception);
            }
        }
    }

    private async Task StartConsumingAsync(CancellationToken stoppingToken)
    {
        for (var delay = TimeSpan.FromMilliseconds(500); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks)))
        {
            try
            {
                var connection = services.GetRequiredService<IConnection>();
                _publisher = await connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), stoppingToken);
                await MessagingTopology.DeclareAllAsync(_publisher, _options.RetryDelays(), stoppingToken);

                _consumerChannel = await connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: false, publisherConfirmationTrackingEnabled: false,
                        consumerDispatchConcurrency: _options.Concurrency), stoppingToken);
                await _consumerChannel.BasicQosAsync(prefetchSize: 0, prefetchCount: _options.Prefetch, global: false, stoppingToken);
                _consumer = new AsyncEventingBasicConsumer(_consumerChannel);
                _consumer.ReceivedAsync += (_, delivery) => ProcessAsync(delivery, stoppingToken);
                await _consumerChannel.BasicConsumeAsync(MessagingTopology.JobsQueue, autoAck: false, _consumer, stoppingToken);
                LogConsuming(logger, MessagingTopology.JobsQueue, _options.Prefetch, _options.Concurrency);
                return;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogStartFailed(logger, exception, delay);
                await DisposeChannelsAsync();
                await Task.Delay(delay, stoppingToken);
            }
        }
    }

    private async Task ProcessAsync(BasicDeliverEventArgs delivery, CancellationToken stoppingToken)
    {
        var started = Stopwatch.GetTimestamp();
        var properties = delivery.BasicProperties;
        var type = properties.Type ?? "(none)";
        var attempt = ReadAttempt(properties);
        ActivityContext.TryParse(ReadHeader(properties, MessagingTopology.TraceParentHeader), null, out var parent);
        using var activity = MessagingMetrics.ActivitySource.StartActivity($"{MessagingTopology.JobsQueue} process", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.message.id", properties.MessageId);
        activity?.SetTag("messaging.message.type", type);
        activity?.SetTag("messaging.rabbitmq.attempt", attempt);

        var channel = _consumerChannel!;
        string outcome;
        IMessageHandler? handler = null;
        ReceivedMessage? message = null;
        try
        {
            if (!Guid.TryParse(properties.MessageId, out var messageId) || !_handlers.TryGetValue(type, out handler))
            {
                throw new PoisonMessageException($"No handler for message type '{type}' or no message id");
            }

            message = new ReceivedMessage(messageId, type, delivery.Body, attempt);
            await handler.HandleAsync(message, stoppingToken);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
            outcome = "succeeded";
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down mid-job: give it back to the queue for another replica (or this one after restart).
            await TryNackAsync(channel, delivery.DeliveryTag);
            outcome = "requeued";
        }
        catch (Exception exception)
        {
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            outcome = await HandleFailureAsync(channel, delivery, handler, message, attempt, exception, stoppingToken);
        }

        metrics.Processed(type, outcome, Stopwatch.GetElapsedTime(started));
    }

    private async Task<string> HandleFailureAsync(
        IChannel channel, BasicDeliverEventArgs delivery, IMessageHandler? handler, ReceivedMessage? message, int attempt,
        Exception exception, CancellationToken stoppingToken)
    {
        var type = delivery.BasicProperties.Type ?? "(none)";
        var reason = $"{exception.GetType().Name}: {exception.Message}";
        try
        {
            if (exception is not PoisonMessageException && attempt < _options.MaxAttempts)
            {
                var delay = _options.RetryDelays()[attempt - 1];
                await RepublishAsync(delivery, MessagingTopology.RetryQueue(delay), attempt + 1, reason, Jitter(delay), stoppingToken);
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
                metrics.Retried(type);
                LogRetrying(logger, exception, delivery.BasicProperties.MessageId, type, attempt, delay);
                return "retried";
            }

            // Into the dead-letter queue first (confirmed), then the job's final state: a crash in between redelivers the
            // message, which fails again and lands here again.
            await RepublishAsync(delivery, MessagingTopology.DeadQueue, attempt, reason, expiration: null, stoppingToken);
            if (handler is not null && message is not null)
            {
                await handler.OnExhaustedAsync(message, reason, stoppingToken);
            }

            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
            metrics.DeadLettered(type);
            LogDeadLettered(logger, exception, delivery.BasicProperties.MessageId, type, attempt);
            return "dead-lettered";
        }
        catch (Exception publishFailure)
        {
            // The broker or the database is away: leave the message unacknowledged-then-requeued; it comes back.
            LogFailureHandlingFailed(logger, publishFailure, delivery.BasicProperties.MessageId);
            await TryNackAsync(channel, delivery.DeliveryTag);
            return "requeued";
        }
    }

    private async Task RepublishAsync(
        BasicDeliverEventArgs delivery, string queue, int attempt, string reason, string? expiration, CancellationToken cancellationToken)
    {
        var original = delivery.BasicProperties;
        var headers = new Dictionary<string, object?>(original.Headers ?? new Dictionary<string, object?>())
        {
            [MessagingTopology.AttemptHeader] = attempt,
            [MessagingTopology.FailureReasonHeader] = reason.Length > 1000 ? reason[..1000] : reason,
        };
        var properties = new BasicProperties
        {
            MessageId = original.MessageId,
            Type = original.Type,
            ContentType = original.ContentType,
            Timestamp = original.Timestamp,
            Persistent = true,
            Headers = headers,
            Expiration = expiration,
        };
        await _publisher!.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, delivery.Body.ToArray(), cancellationToken);
    }

    // Up to 20% shorter than the step's delay (the queue's TTL is the upper bound): spreads a burst of failures.
    private static string Jitter(TimeSpan delay) =>
        ((long)(delay.TotalMilliseconds * (1 - (Random.Shared.NextDouble() * 0.2)))).ToString(CultureInfo.InvariantCulture);

    private static int ReadAttempt(IReadOnlyBasicProperties properties) =>
        properties.Headers?.TryGetValue(MessagingTopology.AttemptHeader, out var value) == true && value is int attempt and > 0 ? attempt : 1;

    private static string? ReadHeader(IReadOnlyBasicProperties properties, string name) =>
        properties.Headers?.TryGetValue(name, out var value) == true ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            string text => text,
            _ => null,
        } : null;

    private async Task TryNackAsync(IChannel channel, ulong deliveryTag)
    {
        try
        {
            await channel.BasicNackAsync(deliveryTag, multiple: false, requeue: true, CancellationToken.None);
        }
        catch (Exception exception)
        {
            // The channel is gone; the broker requeues every unacknowledged delivery of a closed channel anyway.
            LogNackFailed(logger, exception);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await DisposeChannelsAsync();
    }

    private async Task DisposeChannelsAsync()
    {
        foreach (var channel in new[] { _consumerChannel, _publisher })
        {
            if (channel is not null)
            {
                try
                {
                    await channel.CloseAsync();
                }
                catch (Exception exception)
                {
                    LogNackFailed(logger, exception);
                }

                await channel.DisposeAsync();
            }
        }

        _consumerChannel = null;
        _publisher = null;
        _consumer = null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming {Queue} (prefetch {Prefetch}, {Concurrency} at once)")]
    private static partial void LogConsuming(ILogger logger, string queue, ushort prefetch, ushort concurrency);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not start consuming; retrying in {Delay}")]
    private static partial void LogStartFailed(ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} ({Type}) failed on attempt {Attempt}; retrying in {Delay}")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string? messageId, string type, int attempt, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} ({Type}) dead-lettered after attempt {Attempt}")]
    private static partial void LogDeadLettered(ILogger logger, Exception exception, string? messageId, string type, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not schedule a retry or dead-letter for {MessageId}; requeueing it")]
    private static partial void LogFailureHandlingFailed(ILogger logger, Exception exception, string? messageId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Channel operation failed on a closed channel")]
    private static partial void LogNackFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sampling the queue depth failed")]
    private static partial void LogDepthSampleFailed(ILogger logger, Exception exception);
}

internal sealed class JobQueueConsumerHealthCheck(JobQueueConsumer consumer) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(consumer.IsConsuming
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("Not consuming the job queue."));
}
