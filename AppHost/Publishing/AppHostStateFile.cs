using System.Text.Json;
using System.Text.Json.Serialization;
using AspireScale.AppHost.Resources;

namespace AspireScale.AppHost.Publishing;

// <data>/apphost.json: where tools and tests find the gateway, the connection strings and every process. Rewritten on
// every change (temp file + rename, so a reader never sees half a file).
public sealed class AppHostStateFile
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly string _path;
    private readonly string _url;
    private readonly string _dataDirectory;
    private readonly IReadOnlyDictionary<string, string> _connectionStrings;
    private readonly ResourceNotifications _notifications;
    private readonly Lock _gate = new();
    private string _state = "starting";

    public AppHostStateFile(string dataDirectory, string url, IReadOnlyDictionary<string, string> connectionStrings, ResourceNotifications notifications)
    {
        _path = System.IO.Path.Combine(dataDirectory, "apphost.json");
        _url = url;
        _dataDirectory = dataDirectory;
        _connectionStrings = connectionStrings;
        _notifications = notifications;
        _notifications.Changed += _ => Write();
    }

    public void SetState(string state)
    {
        _state = state;
        Write();
    }

    public void Write()
    {
        lock (_gate)
        {
            var resources = _notifications.Snapshot().GroupBy(s => s.Resource).Select(g => new ResourceEntry(
                g.Key,
                g.First().Kind,
                Aggregate(g.Select(r => r.State)),
                g.All(r => r.Health == ReplicaHealth.Healthy) ? "healthy" : g.Any(r => r.Health == ReplicaHealth.Unhealthy) ? "unhealthy" : "unknown",
                g.Sum(r => r.Restarts),
                [.. g.Select(r => new ReplicaEntry(r.Id, r.Pid, r.Endpoint, Name(r.State), Name(r.Health), r.Restarts, r.ExitCode))]));

            var document = new StateDocument(_state, _url, _dataDirectory, Environment.ProcessId, _connectionStrings, [.. resources]);
            var temp = _path + ".tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(document, Json));
            File.Move(temp, _path, overwrite: true);
        }
    }

    private static string Aggregate(IEnumerable<ReplicaState> states)
    {
        var list = states.ToList();
        return Name(list.All(s => s == list[0]) ? list[0] : list.Min());
    }

    private static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private sealed record StateDocument(string State, string Url, string DataDirectory, int Pid, IReadOnlyDictionary<string, string> ConnectionStrings, IReadOnlyList<ResourceEntry> Resources);

    private sealed record ResourceEntry(string Name, string Kind, string State, string Health, int Restarts, IReadOnlyList<ReplicaEntry> Replicas);

    private sealed record ReplicaEntry(string Id, int? Pid, string? Endpoint, string State, string Health, int Restarts, int? ExitCode);
}
