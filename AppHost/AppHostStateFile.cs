using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using AspireScale.AppHost.Supervision;
using Microsoft.Extensions.Hosting;

namespace AspireScale.AppHost;

// What Aspire lacks for scripts and benchmarks: <data>/apphost.json with every resource's state, health, pid and endpoint
// and the backing services' connection strings (rewritten on every change, temp + rename), each resource's console output
// in <data>/logs/<resource>.log, and one line `ready: <url>` on the console once everything is up. The dashboard shows the
// same; this is for programs.
internal sealed class AppHostStateFile(
    DistributedApplicationModel model,
    ResourceNotificationService notifications,
    ResourceLoggerService logs,
    AppHostSettings settings,
    CrashRestarts restarts,
    IHostApplicationLifetime lifetime)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly ConcurrentDictionary<string, (IResource Resource, CustomResourceSnapshot Snapshot)> _latest = new();
    private readonly Lock _writeGate = new();
    private readonly ConcurrentDictionary<string, string> _connectionStrings = new();
    private string _state = "starting";
    private bool _ready;

    private string StatePath => Path.Combine(settings.DataDirectory, "apphost.json");

    public void Start() => _ = Task.Run(() => WatchAsync(lifetime.ApplicationStopped));

    private async Task WatchAsync(CancellationToken stoppingToken)
    {
        Directory.CreateDirectory(Path.Combine(settings.DataDirectory, "logs"));
        lifetime.ApplicationStopping.Register(() => Write("stopping"));
        lifetime.ApplicationStopped.Register(() => Write("stopped"));
        foreach (var resource in model.Resources.Where(r => r is not ParameterResource))
        {
            _ = Task.Run(() => CopyLogsAsync(resource, stoppingToken), stoppingToken);
        }

        try
        {
            await foreach (var change in notifications.WatchAsync(stoppingToken))
            {
                _latest[change.ResourceId] = (change.Resource, change.Snapshot);
                await WriteAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        // Each resolved once, after its server first runs (before its endpoint is allocated, resolving would wait for
        // it); endpoints and secrets do not change for the AppHost's life.
        var running = _latest.Values.Where(e => e.Snapshot.State?.Text == KnownResourceStates.Running).Select(e => e.Resource).ToHashSet();
        foreach (var resource in model.Resources.OfType<IResourceWithConnectionString>().Where(r => !_connectionStrings.ContainsKey(r.Name)))
        {
            var server = resource is IResourceWithParent parent ? parent.Parent : resource;
            if (running.Contains(server) && await resource.ConnectionStringExpression.GetValueAsync(cancellationToken) is { } value)
            {
                _connectionStrings[resource.Name] = value;
            }
        }

        if (!_ready && IsEverythingUp())
        {
            _ready = true;
            _state = "ready";
            Write(_state);
            Console.WriteLine($"ready: {FrontDoor()}");
            return;
        }

        Write(_state);
    }

    // A replica's own address, the one Kestrel was told to listen on: with --workers 2 every replica's URL is DCP's proxy,
    // which balances per connection, so a script or test reaching "worker-1" would get either of them.
    private static string? OwnAddress(CustomResourceSnapshot snapshot) =>
        snapshot.EnvironmentVariables.FirstOrDefault(v => v.Name == "ASPNETCORE_URLS")?.Value?.Split(';')[0].TrimEnd('/');

    private void Write(string state)
    {
        lock (_writeGate)
        {
            _state = state;
            var resources = _latest
                .Where(e => e.Value.Resource is not ParameterResource && !e.Value.Snapshot.IsHidden)
                .GroupBy(e => e.Value.Resource.Name)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g =>
                {
                    // A resource with replicas (worker, --workers 2) lists them as worker-0, worker-1 in DCP's order; a
                    // single one goes by the resource's name (api-0, cache), as scripts address it.
                    var replicas = g.OrderBy(e => e.Key, StringComparer.Ordinal).Select((e, index) => new
                    {
                        Id = g.Count() == 1 ? g.Key : $"{g.Key}-{index}",
                        Pid = PidOf(e.Value.Snapshot),
                        Endpoint = OwnAddress(e.Value.Snapshot) ?? e.Value.Snapshot.Urls.FirstOrDefault(u => !u.IsInternal)?.Url.TrimEnd('/'),
                        State = StateOf([e.Value.Snapshot]),
                        Health = HealthOf([e.Value.Snapshot]),
                        Restarts = restarts.RestartsOf(e.Key),
                        e.Value.Snapshot.ExitCode,
                    }).ToList();
                    return new
                    {
                        Name = g.Key,
                        Kind = g.First().Value.Snapshot.ResourceType,
                        State = StateOf(g.Select(e => e.Value.Snapshot)),
                        Health = HealthOf(g.Select(e => e.Value.Snapshot)),
                        Restarts = replicas.Sum(r => r.Restarts),
                        Replicas = replicas,
                    };
                })
                .ToList();
            var document = new
            {
                State = state,
                Url = FrontDoor(),
                DataDirectory = settings.DataDirectory,
                Pid = Environment.ProcessId,
                ConnectionStrings = new Dictionary<string, string>(_connectionStrings),
                Resources = resources,
            };
            var temp = StatePath + ".tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(document, Json));
            File.Move(temp, StatePath, overwrite: true);
        }
    }

    private bool IsEverythingUp() =>
        model.Resources.Where(r => r is not ParameterResource).All(resource =>
        {
            var snapshots = _latest.Values.Where(e => e.Resource == resource).Select(e => e.Snapshot).ToList();
            if (snapshots.Count == 0)
            {
                return false;
            }

            return snapshots.All(s => s.IsHidden
                || (s.State?.Text == KnownResourceStates.Finished || s.State?.Text == KnownResourceStates.Exited) && s.ExitCode == 0
                || s.State?.Text == KnownResourceStates.Running && s.HealthStatus is null or HealthStatus.Healthy);
        });

    // The gateway's URL: the system's front door.
    private string FrontDoor() =>
        _latest.Values.Where(e => e.Resource.Name == "gateway")
            .SelectMany(e => e.Snapshot.Urls).FirstOrDefault(u => !u.IsInternal)?.Url.TrimEnd('/') ?? "";

    private static string StateOf(IEnumerable<CustomResourceSnapshot> snapshots) =>
        snapshots.Select(s => s.State?.Text switch
        {
            "Running" => "running",
            "Finished" or "Exited" => "exited",
            "FailedToStart" => "failed",
            null or "" => "starting",
            var other => other.ToLowerInvariant(),
        }).Distinct().Aggregate((a, b) => a == b ? a : "mixed");

    private static string HealthOf(IEnumerable<CustomResourceSnapshot> snapshots) =>
        snapshots.All(s => s.HealthStatus is HealthStatus.Healthy || s.State?.Text == "Running" && s.HealthStatus is null) ? "healthy"
        : snapshots.Any(s => s.HealthStatus is HealthStatus.Unhealthy) ? "unhealthy" : "unknown";

    private static int? PidOf(CustomResourceSnapshot snapshot) =>
        snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } value
        && int.TryParse(value.ToString(), out var pid) ? pid : null;

    private async Task CopyLogsAsync(IResource resource, CancellationToken cancellationToken)
    {
        var path = Path.Combine(settings.DataDirectory, "logs", resource.Name + ".log");
        try
        {
            await using var file = new StreamWriter(path, append: true) { AutoFlush = true };
            await foreach (var batch in logs.WatchAsync(resource).WithCancellation(cancellationToken))
            {
                foreach (var line in batch)
                {
                    await file.WriteLineAsync(line.Content);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
