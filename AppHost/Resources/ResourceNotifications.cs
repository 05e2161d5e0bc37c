using System.Collections.Concurrent;

namespace AspireScale.AppHost.Resources;

// Every state change of every replica is published here; the console, apphost.json, the gateway and the stages that
// wait on dependencies all listen. Like Aspire's ResourceNotificationService, reduced to what we use.
public sealed class ResourceNotifications
{
    private readonly ConcurrentDictionary<string, ReplicaSnapshot> _replicas = new();
    private readonly Lock _gate = new();
    private readonly List<string> _order = [];

    public event Action<ReplicaSnapshot>? Changed;

    public IReadOnlyList<ReplicaSnapshot> Snapshot()
    {
        lock (_gate)
        {
            return [.. _order.Select(id => _replicas[id])];
        }
    }

    public ReplicaSnapshot? Get(string replicaId) => _replicas.GetValueOrDefault(replicaId);

    public void Publish(ReplicaSnapshot snapshot)
    {
        lock (_gate)
        {
            if (_replicas.TryGetValue(snapshot.Id, out var previous) && previous == snapshot)
            {
                return;
            }

            if (previous is null)
            {
                _order.Add(snapshot.Id);
            }

            _replicas[snapshot.Id] = snapshot;
        }

        Changed?.Invoke(snapshot);
    }

    public ReplicaSnapshot Update(string replicaId, Func<ReplicaSnapshot, ReplicaSnapshot> change)
    {
        ReplicaSnapshot next;
        lock (_gate)
        {
            next = change(_replicas[replicaId]);
        }

        Publish(next);
        return next;
    }

    // Completes when every listed replica satisfies the predicate (checked on each change, so no polling).
    public async Task WaitForAsync(IReadOnlyCollection<string> replicaIds, Func<ReplicaSnapshot, bool> predicate, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check(ReplicaSnapshot _)
        {
            if (replicaIds.All(id => Get(id) is { } s && predicate(s)))
            {
                done.TrySetResult();
            }
        }

        Changed += Check;
        try
        {
            Check(null!);
            await done.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            Changed -= Check;
        }
    }
}
