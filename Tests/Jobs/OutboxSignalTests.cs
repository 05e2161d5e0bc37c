using AspireScale.Api.Messaging;

namespace AspireScale.Tests.Jobs;

// The relay sleeps on this signal between sweeps; a write that committed outbox rows wakes it, so a 202'd job is
// published at once instead of at the next sweep (bench/jobs/run.sh measures what that buys).
public sealed class OutboxSignalTests
{
    private static readonly TimeSpan Sweep = TimeSpan.FromHours(1);

    [Fact]
    public async Task AWakeEndsTheRelaysWaitLongBeforeItsSweepInterval()
    {
        var signal = new OutboxSignal();
        var waiting = signal.WaitAsync(Sweep, CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        signal.Wake();

        // Bounded only so that a broken signal fails the test instead of hanging it for an hour.
        await waiting.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
    }

    [Fact]
    public async Task WakesWhileTheRelayIsBusyLeaveOneWaitingNotOnePerWrite()
    {
        var signal = new OutboxSignal();
        signal.Wake();
        signal.Wake();
        signal.Wake();

        // The relay drains everything unsent on each pass, so one pending wake-up is all it needs.
        await signal.WaitAsync(Sweep, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        var next = signal.WaitAsync(Sweep, CancellationToken.None);
        Assert.False(next.IsCompleted);
        signal.Wake();
        await next.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
    }

    [Fact]
    public async Task WithoutAWakeTheWaitEndsAtTheSweepIntervalSoRowsOfOtherReplicasAreFound()
    {
        var signal = new OutboxSignal();
        await signal.WaitAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
    }
}
