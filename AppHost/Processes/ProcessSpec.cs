using AspireScale.AppHost.Supervision;

namespace AspireScale.AppHost.Processes;

// Everything needed to start one process, fixed before it starts. A restart builds a new spec, on the same port every
// time, so its dependents (and the gateway, whose environment holds every API replica's address) can reconnect.
public sealed record ProcessSpec
{
    public required string Id { get; init; }

    public required string FileName { get; init; }

    public IReadOnlyList<string> Arguments { get; init; } = [];

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public required string WorkingDirectory { get; init; }

    // Run under this system user (PostgreSQL refuses to run as root); null = as the AppHost's own user.
    public string? RunAsUser { get; init; }

    public string? Endpoint { get; init; }

    public IHealthProbe? Health { get; init; }

    // How to ask for a clean stop; PostgreSQL's fast shutdown is SIGINT (SIGTERM waits for every client to leave).
    public PosixSignalNumber StopSignal { get; init; } = PosixSignalNumber.Terminate;

    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);

    // Which stderr lines also go to the console (all by default; PostgreSQL logs everything to stderr).
    public Func<string, bool> IsConsoleWorthy { get; init; } = static _ => true;

    public string CommandLine => string.Join(' ', [FileName, .. Arguments]);
}

public enum PosixSignalNumber
{
    Interrupt = 2,
    Kill = 9,
    Terminate = 15,
}
