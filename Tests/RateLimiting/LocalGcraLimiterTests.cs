using AspireScale.Api.RateLimiting;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.RateLimiting;

// The fallback limiter each replica uses while Redis is unreachable (Api/RateLimiting/LocalGcraLimiter.cs): pure logic,
// on a clock the test moves.
public sealed class LocalGcraLimiterTests
{
    private static readonly RateLimitPolicy TenPerSecond = new() { PermitLimit = 10, Window = TimeSpan.FromSeconds(1) };

    [Fact]
    public void APartitionTakesItsWholeLimitAtOnceThenRegainsOnePermitPerInterval()
    {
        var clock = new ManualClock();
        var limiter = new LocalGcraLimiter(clock);

        var burst = Enumerable.Range(0, 12).Select(_ => limiter.Acquire("ip:a", TenPerSecond)).ToArray();

        Assert.Equal(10, burst.Count(d => d.Allowed));
        Assert.Equal(9, burst[0].Remaining);
        Assert.Equal(0, burst[9].Remaining);
        Assert.False(burst[10].Allowed);
        Assert.Equal(TimeSpan.FromMilliseconds(100), burst[10].RetryAfter);

        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(limiter.Acquire("ip:a", TenPerSecond).Allowed);
        Assert.False(limiter.Acquire("ip:a", TenPerSecond).Allowed);

        // Another partition is untouched.
        Assert.Equal(9, limiter.Acquire("ip:b", TenPerSecond).Remaining);
    }

    [Fact]
    public void ConcurrentRequestsOfOnePartitionAreAdmittedExactlyUpToTheLimit()
    {
        var limiter = new LocalGcraLimiter(new ManualClock());
        var policy = new RateLimitPolicy { PermitLimit = 1_000, Window = TimeSpan.FromMinutes(1) };
        var admitted = 0;

        Parallel.For(0, 4_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            if (limiter.Acquire("user:1", policy).Allowed)
            {
                Interlocked.Increment(ref admitted);
            }
        });

        Assert.Equal(1_000, admitted);
    }

    [Fact]
    public void PartitionsIdleForAWholeWindowAreForgottenSoOneOffClientsCannotGrowTheTable()
    {
        var clock = new ManualClock();
        var limiter = new LocalGcraLimiter(clock);

        for (var i = 0; i < 5_000; i++)
        {
            limiter.Acquire($"ip:old-{i}", TenPerSecond);
        }

        clock.Advance(TimeSpan.FromSeconds(2));
        for (var i = 0; i < 5_000; i++)
        {
            limiter.Acquire($"ip:new-{i}", TenPerSecond);
        }

        // Kept: at most the new ones; a table that never forgets would hold all 10,000.
        Assert.Equal(5_000, limiter.Partitions);
        // A forgotten partition starts over exactly as a new one.
        Assert.Equal(9, limiter.Acquire("ip:old-0", TenPerSecond).Remaining);
    }
}
