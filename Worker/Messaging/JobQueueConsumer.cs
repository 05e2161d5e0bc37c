using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace AspireScale.Worker.Messaging;

public static class JobQueueConsumerExtensions
{
    public static void AddJobQueueConsumer(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<JobQueueConsumer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<JobQueueConsumer>());
        builder.Services.AddHealthChecks().AddCheck<JobQueueConsumerHealthCheck>("job-consumer", tags: ["ready"]);
    }
}

// Declares the job queue (idempotently) and consumes it with manual acks and a prefetch limit.
// The job handlers themselves arrive with the async-work issue; until then a message is acknowledged and counted.
public sealed partial class JobQueueConsumer(IServiceProvider services, ILogger<JobQueueConsumer> logger) : BackgroundService
{
    public const string QueueName = "conduit.jobs";
    private const ushort Prefetch = 16;

    private IChannel? _channel;

    public bool IsConsuming => _channel is { IsOpen: true };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Resolving the connection retries with backoff while the broker starts; keep that off the host's start path.
        await Task.Yield();
        var connection = services.GetRequiredService<IConnection>();

        _channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await _channel.QueueDeclareAsync(QueueName, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: stoppingToken);
        await _channel.BasicQosAsync(prefetchSize: 0, prefetchCount: Prefetch, global: false, stoppingToken);

        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            LogJobReceived(logger, delivery.DeliveryTag, delivery.Body.Length);
            await _channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, stoppingToken);
        };
        await _channel.BasicConsumeAsync(QueueName, autoAck: false, consumer, stoppingToken);
        LogConsuming(logger, QueueName);

        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_channel is not null)
        {
            await _channel.CloseAsync(cancellationToken);
            _channel.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming {Queue}")]
    private static partial void LogConsuming(ILogger logger, string queue);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job message {DeliveryTag} received ({Bytes} bytes)")]
    private static partial void LogJobReceived(ILogger logger, ulong deliveryTag, int bytes);
}

internal sealed class JobQueueConsumerHealthCheck(JobQueueConsumer consumer) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(consumer.IsConsuming
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("Not consuming the job queue yet."));
}
