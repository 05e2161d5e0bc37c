namespace AspireScale.Api.Infrastructure;

// Stops calling Redis for a while after a call failed, so a Redis that hangs (rather than refusing connections) costs one
// timeout per break instead of one per request. Shared by the output cache store and the rate limiter.
internal sealed class RedisBreaker(TimeProvider time)
{
    private long closedAt;

    public bool IsOpen => time.GetTimestamp() < Interlocked.Read(ref closedAt);

    public void Open(TimeSpan duration) =>
        Interlocked.Exchange(ref closedAt, time.GetTimestamp() + (long)(duration.TotalSeconds * time.TimestampFrequency));
}
