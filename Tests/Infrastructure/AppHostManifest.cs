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
        Find(name) ?? throw new KeyNotFoundException($"apphost.json has no resource '{name}'.");

    public ResourceEntry? Find(string name) => Resources.FirstOrDefault(r => r.Name == name) ?? ReplicasAsOne(name);

    // The API's replicas are resources of their own, api-0, api-1 ... (each on its own port, for the gateway's per-request
    // balancing); Resource("api") is all of them, in order.
    private ResourceEntry? ReplicasAsOne(string name)
    {
        var replicas = Resources.Where(r => r.Name.StartsWith(name + "-", StringComparison.Ordinal) && int.TryParse(r.Name[(name.Length + 1)..], out _))
            .OrderBy(r => int.Parse(r.Name[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        return replicas.Count == 0 ? null : new ResourceEntry(
            name, replicas[0].Kind, replicas.All(r => r.State == replicas[0].State) ? replicas[0].State : "mixed",
            replicas.All(r => r.Health == "healthy") ? "healthy" : "unknown", replicas.Sum(r => r.Restarts), [.. replicas.SelectMany(r => r.Replicas)]);
    }

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
