using System.Collections.Concurrent;

namespace AspireScale.Api.RateLimiting;

// The shared limiter's GCRA, kept in this process: what a replica limits with while Redis is unreachable. One number per
// partition (its theoretical arrival time, TAT), no timers. A partition whose TAT has passed behaves exactly as one never
// seen, so such entries are dropped whenever the table has doubled since the last sweep: a flood of one-off addresses
// during an outage cannot grow it beyond the partitions active within one window.
public sealed class LocalGcraLimiter(TimeProvider time)
{
    private const int SweepAbove = 1_024;

    private readonly ConcurrentDictionary<string, long> arrivals = new(StringComparer.Ordinal);
    private readonly long origin = time.GetTimestamp();
    private int sweepAt = SweepAbove;

    public int Partitions => arrivals.Count;

    public RateLimitDecision Acquire(string key, RateLimitPolicy limits)
    {
        var now = (long)time.GetElapsedTime(origin).TotalMicroseconds;
        var interval = (long)(limits.Window.TotalMicroseconds / limits.PermitLimit);
        var burst = (long)limits.Window.TotalMicroseconds;
        while (true)
        {
            var known = arrivals.TryGetValue(key, out var stored);
            var tat = known && stored > now ? stored : now;
            var next = tat + interval;
            if (next - burst > now)
            {
                return new RateLimitDecision(false, 0, TimeSpan.FromMicroseconds(next - burst - now), TimeSpan.FromMicroseconds(tat - now));
            }

            // Compare-and-swap, so concurrent requests of one partition each take their own cell.
            if (known ? arrivals.TryUpdate(key, next, stored) : arrivals.TryAdd(key, next))
            {
                if (!known && arrivals.Count > Volatile.Read(ref sweepAt))
                {
                    Sweep(now);
                }

                return new RateLimitDecision(true, (int)((burst - (next - now)) / interval), TimeSpan.Zero, TimeSpan.FromMicroseconds(next - now));
            }
        }
    }

    private void Sweep(long now)
    {
        foreach (var (key, tat) in arrivals)
        {
            if (tat <= now)
            {
                // Only if unchanged: a request that just took a cell there keeps it.
                arrivals.TryRemove(KeyValuePair.Create(key, tat));
            }
        }

        Volatile.Write(ref sweepAt, Math.Max(SweepAbove, arrivals.Count * 2));
    }
}
