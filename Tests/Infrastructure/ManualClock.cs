namespace AspireScale.Tests.Infrastructure;

// A TimeProvider that moves only when told: for pure logic that reads the time (limiters, caches, failure counts).
public sealed class ManualClock : TimeProvider
{
    private long ticks = TimeSpan.TicksPerDay;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);
}
