using RabbitMQ.Client;

namespace AspireScale.Api.Messaging;

// Every exchange and queue, declared idempotently by whoever starts first (API relay or Worker).
//   conduit.work (direct) --"jobs"--> conduit.jobs (quorum, what the Worker consumes and KEDA scales on)
//   conduit.jobs.retry.<delay>ms (quorum, TTL = delay, dead-letters back to conduit.work/"jobs"): one per backoff step
//   conduit.jobs.dead (quorum): messages that exhausted their attempts or could not be parsed, kept for inspection
// Retry and dead queues are published to through the default exchange (routing key = queue name).
public static class MessagingTopology
{
    public const string WorkExchange = "conduit.work";
    public const string JobsRoutingKey = "jobs";
    public const string JobsQueue = "conduit.jobs";
    public const string DeadQueue = "conduit.jobs.dead";

    // Headers the relay and the Worker agree on.
    public const string AttemptHeader = "x-attempt";
    public const string TraceParentHeader = "traceparent";
    public const string FailureReasonHeader = "x-failure-reason";

    public static string RetryQueue(TimeSpan delay) => $"conduit.jobs.retry.{(long)delay.TotalMilliseconds}ms";

    private static Dictionary<string, object?> Quorum() => new() { ["x-queue-type"] = "quorum" };

    // What the publisher needs for its mandatory publishes to route.
    public static async Task DeclareWorkQueueAsync(IChannel channel, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(WorkExchange, ExchangeType.Direct, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(JobsQueue, durable: true, exclusive: false, autoDelete: false, Quorum(), cancellationToken: cancellationToken);
        await channel.QueueBindAsync(JobsQueue, WorkExchange, JobsRoutingKey, cancellationToken: cancellationToken);
    }

    public static async Task DeclareAllAsync(IChannel channel, IEnumerable<TimeSpan> retryDelays, CancellationToken cancellationToken)
    {
        await DeclareWorkQueueAsync(channel, cancellationToken);
        await channel.QueueDeclareAsync(DeadQueue, durable: true, exclusive: false, autoDelete: false, Quorum(), cancellationToken: cancellationToken);
        foreach (var delay in retryDelays)
        {
            var arguments = Quorum();
            arguments["x-message-ttl"] = (long)delay.TotalMilliseconds;
            arguments["x-dead-letter-exchange"] = WorkExchange;
            arguments["x-dead-letter-routing-key"] = JobsRoutingKey;
            // Quorum queues dead-letter at-most-once unless told otherwise; at-least-once needs reject-publish overflow.
            arguments["x-dead-letter-strategy"] = "at-least-once";
            arguments["x-overflow"] = "reject-publish";
            await channel.QueueDeclareAsync(RetryQueue(delay), durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken);
        }
    }
}
