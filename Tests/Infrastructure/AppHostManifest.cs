using System.Text.Json;

namespace AspireScale.Tests.Infrastructure;

// <data>/apphost.json as the AppHost writes it (see the common brief): the gateway, connection strings, every process.
public sealed record AppHostManifest(
    string State,
    string Url,
    string DataDirectory,
    int Pid,
    IReadOnlyDictionary<string, string> ConnectionStrings,
    IReadOnlyList<ResourceEntry> Resources)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public ResourceEntry Resource(string name) =>
        Resources.FirstOrDefault(r => r.Name == name) ?? throw new KeyNotFoundException($"apphost.json has no resource '{name}'.");

    public ReplicaEntry Replica(string id) =>
        Resources.SelectMany(r => r.Replicas).FirstOrDefault(r => r.Id == id) ?? throw new KeyNotFoundException($"apphost.json has no replica '{id}'.");

    // Every process the AppHost reported, itself included.
    public IReadOnlyList<int> AllPids() =>
        [Pid, .. Resources.SelectMany(r => r.Replicas).Select(r => r.Pid).OfType<int>().Where(pid => pid != Pid).Distinct()];
}

public sealed record ResourceEntry(string Name, string Kind, string State, string Health, int Restarts, IReadOnlyList<ReplicaEntry> Replicas)
{
    public bool IsHealthy => Replicas.Count > 0 && Replicas.All(r => r.IsHealthy);
}

public sealed record ReplicaEntry(string Id, int? Pid, string? Endpoint, string State, string Health, int Restarts, int? ExitCode)
{
    public bool IsHealthy => State == "running" && Health == "healthy";
}
