using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AspireScale.Api.Messaging;

// The pipeline's instruments on meter AspireScale.Messaging; the API (relay) and the Worker (consumer) each record theirs.
public sealed class MessagingMetrics
{
    public static readonly ActivitySource ActivitySource = new(TelemetryNames.Messaging);

    private readonly Histogram<double> _outboxLag;
    private readonly Counter<long> _published;
    private readonly Histogram<double> _processingTime;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _deadLetters;
    private readonly Counter<long> _retentionDeleted;
    private long _queueDepth = -1;

    // Seconds, from milliseconds to a minute (the default buckets are shaped for milliseconds).
    private static readonly InstrumentAdvice<double> SecondsBuckets = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    };

    public MessagingMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(TelemetryNames.Messaging);
        _outboxLag = meter.CreateHistogram<double>("messaging.outbox.lag", "s", "Time from commit of an outbox message to its confirmed publish.", advice: SecondsBuckets);
        _published = meter.CreateCounter<long>("messaging.outbox.published", "{message}", "Outbox messages published and confirmed.");
        _processingTime = meter.CreateHistogram<double>("messaging.process.duration", "s", "Time a consumer spent on one delivery.", advice: SecondsBuckets);
        _retries = meter.CreateCounter<long>("messaging.process.retries", "{message}", "Deliveries that failed and were scheduled for another attempt.");
        _deadLetters = meter.CreateCounter<long>("messaging.process.dead_letters", "{message}", "Messages moved to the dead-letter queue.");
        _retentionDeleted = meter.CreateCounter<long>("messaging.retention.deleted", "{row}", "Processed outbox and inbox rows deleted for age, by table.");
        meter.CreateObservableGauge("messaging.queue.depth", () => Interlocked.Read(ref _queueDepth) is var depth and >= 0
            ? [new Measurement<long>(depth, new KeyValuePair<string, object?>("queue", MessagingTopology.JobsQueue))]
            : Array.Empty<Measurement<long>>(), "{message}", "Ready messages in conduit.jobs (last sample).");
    }

    public void Published(TimeSpan lag)
    {
        _published.Add(1);
        _outboxLag.Record(Math.Max(0, lag.TotalSeconds));
    }

    public void Processed(string type, string outcome, TimeSpan elapsed) =>
        _processingTime.Record(elapsed.TotalSeconds, new("type", type), new("outcome", outcome));

    public void Retried(string type) => _retries.Add(1, new KeyValuePair<string, object?>("type", type));

    public void DeadLettered(string type) => _deadLetters.Add(1, new KeyValuePair<string, object?>("type", type));

    public void RetentionDeleted(string table, long rows) => _retentionDeleted.Add(rows, new KeyValuePair<string, object?>("table", table));

    public void QueueDepth(long depth) => Interlocked.Exchange(ref _queueDepth, depth);
}
