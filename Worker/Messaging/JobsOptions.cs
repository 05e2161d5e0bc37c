namespace AspireScale.Worker.Messaging;

// Section "Jobs". Defaults in code; every value can be overridden from configuration (Jobs__MaxAttempts=...).
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    // Attempts before a message goes to conduit.jobs.dead (and its job is marked failed).
    public int MaxAttempts { get; set; } = 5;

    // The first retry waits this long, each next one twice as long (1 s, 2 s, 4 s, 8 s by default), minus up to 20% jitter.
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    // Unacknowledged deliveries the broker may push to this replica, and how many it processes at once.
    public ushort Prefetch { get; set; } = 16;

    public ushort Concurrency { get; set; } = 4;

    // Lets an export's testFault (delay, failing attempts) take effect: the same setting (TestFaults.Setting) with which the
    // Api accepts one at all. Only test topologies set it.
    public bool AllowTestFaults { get; set; }

    // The delay before attempt n + 1, for n = 1 .. MaxAttempts - 1: one retry queue per step.
    public IReadOnlyList<TimeSpan> RetryDelays() =>
        [.. Enumerable.Range(0, Math.Max(0, MaxAttempts - 1)).Select(step => RetryBaseDelay * Math.Pow(2, step))];
}
