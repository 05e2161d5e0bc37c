namespace AspireScale.AppHost.Supervision;

// Delay before restarting a crashed process: doubles from Initial up to Cap, back to Initial once the process has been
// healthy (a process that crashes right after starting must not spin; one that ran well for hours restarts at once).
public sealed class RestartBackoff(TimeSpan initial, TimeSpan cap)
{
    private int _failures;

    public static RestartBackoff Default() => new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

    public TimeSpan Initial { get; } = initial;

    public TimeSpan Cap { get; } = cap;

    public TimeSpan NextDelay()
    {
        var delay = Initial * Math.Pow(2, Math.Min(_failures, 30));
        _failures++;
        return delay < Cap ? delay : Cap;
    }

    public void Reset() => _failures = 0;
}
