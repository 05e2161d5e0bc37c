namespace AspireScale.Api.Data;

// Per-process knowledge about the replica, shared by all requests: how far it has replayed (cached ~100 ms so a burst of
// reads costs one probe) and whether it recently failed (then reads skip it for a few seconds instead of each paying a
// connect timeout).
public sealed class ReplicaState(TimeProvider time, bool configured)
{
    private static readonly TimeSpan ReplayFreshFor = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan SkipAfterFailure = TimeSpan.FromSeconds(5);

    private readonly Lock gate = new();
    private long skipUntil;
    private long replayCheckedAt;
    private ulong replayedLsn;
    private bool hasReplayInfo;

    // False when ConnectionStrings:conduit-read is absent: every read goes to the primary and no WAL positions are kept.
    public bool IsConfigured => configured;

    public bool IsSkipped
    {
        get
        {
            lock (gate)
            {
                return skipUntil != 0 && time.GetTimestamp() < skipUntil;
            }
        }
    }

    public void MarkFailed()
    {
        lock (gate)
        {
            skipUntil = time.GetTimestamp() + (long)(SkipAfterFailure.TotalSeconds * time.TimestampFrequency);
            hasReplayInfo = false;
        }
    }

    // The cached replay position, or null when it is older than ~100 ms and must be probed again.
    public ulong? FreshReplayedLsn
    {
        get
        {
            lock (gate)
            {
                return hasReplayInfo && time.GetElapsedTime(replayCheckedAt) < ReplayFreshFor ? replayedLsn : null;
            }
        }
    }

    public void RecordReplayedLsn(ulong lsn)
    {
        lock (gate)
        {
            replayedLsn = lsn;
            replayCheckedAt = time.GetTimestamp();
            hasReplayInfo = true;
            skipUntil = 0;
        }
    }
}
