using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using AspireScale.Api.Data;

namespace AspireScale.Api.Messaging;

public static class Outbox
{
    // A row to add to the same SaveChanges (or statement) as the change it announces. The current activity's id is the
    // W3C traceparent: the relay and the Worker continue this request's trace from it.
    public static OutboxMessage Message<T>(string type, T payload, JsonTypeInfo<T> typeInfo, DateTime now) => new()
    {
        MessageId = NewMessageId(),
        Type = type,
        Payload = JsonSerializer.Serialize(payload, typeInfo),
        TraceParent = CurrentTraceParent,
        CreatedAt = now,
    };

    // For rows written by SQL (where the payload needs an id the same statement generates).
    public static Guid NewMessageId() => Guid.CreateVersion7();

    public static string? CurrentTraceParent => Activity.Current?.Id;
}

// Wakes the relay right after a commit that wrote outbox rows, so publishing does not wait for the next sweep.
// A wake-up while one is pending is dropped: the relay drains everything unsent each time it runs.
public sealed class OutboxSignal
{
    private readonly Channel<bool> _wakeUps = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Wake() => _wakeUps.Writer.TryWrite(true);

    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await _wakeUps.Reader.ReadAsync(timeoutSource.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The sweep interval passed: look anyway, for rows committed by another replica or before a crash.
        }
    }
}
