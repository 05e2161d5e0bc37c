using AspireScale.AppHost.Processes;
using AspireScale.AppHost.Resources;
using AspireScale.AppHost.Supervision;

namespace AspireScale.AppHost.Hosting;

// What every stage shares: options, the data folder, the launcher, the event stream, ports and secrets.
public sealed class HostingContext(
    AppHostOptions options,
    ProcessLauncher launcher,
    ResourceNotifications notifications,
    TimeProvider time,
    Action<string, string> consoleErrorLine)
{
    private readonly Dictionary<string, ReplicaLog> _logs = [];
    private readonly Lock _gate = new();

    public AppHostOptions Options { get; } = options;

    public string DataDirectory => Options.DataDirectory;

    public string LogsDirectory => Path.Combine(DataDirectory, "logs");

    public ProcessLauncher Launcher { get; } = launcher;

    public ResourceNotifications Notifications { get; } = notifications;

    public TimeProvider Time { get; } = time;

    public PortAllocator Ports { get; } = new();

    public Secrets Secrets { get; } = new(options.DataDirectory);

    public HttpClient ProbeClient { get; } = new() { Timeout = Timeout.InfiniteTimeSpan };

    // PostgreSQL refuses to run as root; as root we run it as the packaged `postgres` user.
    public string? PostgresUser { get; } = Environment.IsPrivilegedProcess ? "postgres" : null;

    public ReplicaLog LogFor(string replicaId)
    {
        lock (_gate)
        {
            if (!_logs.TryGetValue(replicaId, out var log))
            {
                _logs[replicaId] = log = new ReplicaLog(LogsDirectory, replicaId);
            }

            return log;
        }
    }

    public ReplicaSupervisor Supervise(ReplicaDefinition definition)
    {
        Notifications.Publish(new ReplicaSnapshot(definition.Resource, definition.Kind, definition.Id, ReplicaState.Waiting));
        return new ReplicaSupervisor(definition, Launcher, Notifications, Time, LogFor(definition.Id), consoleErrorLine);
    }

    public Task WaitForReadyAsync(IEnumerable<ReplicaSupervisor> replicas, CancellationToken cancellationToken)
    {
        var list = replicas.ToList();
        var ids = list.Select(r => r.Definition.Id).ToList();
        var jobs = list.Where(r => r.Definition.RunToCompletion).Select(r => r.Definition.Id).ToHashSet();
        return Notifications.WaitForAsync(ids, s => s.IsReady(jobs.Contains(s.Id)), cancellationToken);
    }
}
