namespace AspireScale.AppHost.Resources;

public enum ReplicaState { Waiting, Starting, Running, Exited, Failed, Restarting, Stopped }

public enum ReplicaHealth { Unknown, Healthy, Unhealthy }

// One process of a resource as the console, apphost.json and the gateway see it. Immutable: every change is a new snapshot.
public sealed record ReplicaSnapshot(
    string Resource,
    string Kind,
    string Id,
    ReplicaState State,
    ReplicaHealth Health = ReplicaHealth.Unknown,
    int? Pid = null,
    string? Endpoint = null,
    int Restarts = 0,
    int? ExitCode = null)
{
    // A job that finished well counts as done; a service counts once it is running and healthy.
    public bool IsReady(bool runToCompletion) => runToCompletion
        ? State == ReplicaState.Exited && ExitCode == 0
        : State == ReplicaState.Running && Health == ReplicaHealth.Healthy;
}
