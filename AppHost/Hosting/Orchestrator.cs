using AspireScale.AppHost.Backing;
using AspireScale.AppHost.Console;
using AspireScale.AppHost.Processes;
using AspireScale.AppHost.Services;
using AspireScale.AppHost.Publishing;
using AspireScale.AppHost.Resources;
using AspireScale.AppHost.Supervision;

namespace AspireScale.AppHost.Hosting;

// Runs the model in stages that read one by one: prepare the data folder, assign ports, start backing services, run
// migrations and start replicas and the gateway (each project as soon as what it waits for is ready), wait until
// everything is ready, monitor. Stopping goes the other way round.
internal sealed class Orchestrator : IAsyncDisposable
{
    private readonly AppHostOptions _options;
    private readonly IReadOnlyList<Resource> _resources;
    private readonly ResourceNotifications _notifications = new();
    private readonly Dictionary<string, List<ReplicaSupervisor>> _replicasByResource = [];
    private readonly ConsoleView _console;
    private ProcessTracker? _tracker;
    private HostingContext? _context;
    private AppHostStateFile? _stateFile;

    public Orchestrator(AppHostOptions options, IReadOnlyList<Resource> resources)
    {
        _options = options;
        _resources = resources;
        _console = new ConsoleView(_notifications);
    }

    private HostingContext Context => _context ?? throw new InvalidOperationException("The data folder is not prepared yet.");

    public async Task RunAsync(CancellationToken shutdown)
    {
        PrepareDataFolder();
        AssignPorts();
        StartBackingServices(shutdown);
        StartProjects(shutdown);
        await WaitForReplicasAsync(shutdown);
        await MonitorAsync(shutdown);
    }

    // Stage 1: kill what a crashed run left behind, honour --fresh, record our pid.
    private void PrepareDataFolder()
    {
        var data = _options.DataDirectory;
        Directory.CreateDirectory(data);
        var tracker = new ProcessTracker(data);
        // Throws when another AppHost owns the folder; its pid file is then not ours to delete on the way out.
        tracker.CleanLeftovers();
        _tracker = tracker;
        if (_options.Fresh)
        {
            foreach (var entry in new DirectoryInfo(data).EnumerateFileSystemInfos().Where(e => e.Name != "apphost.pid"))
            {
                if (entry is DirectoryInfo dir)
                {
                    dir.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }
            }
        }

        var launcher = new ProcessLauncher(_tracker, _console.ErrorLine);
        _context = new HostingContext(_options, launcher, _notifications, TimeProvider.System, _console.ErrorLine);
        _console.Message($"data folder {data}; logs in {Context.LogsDirectory}");
    }

    // Stage 2: every backing service and every project replica gets its port (kept across its restarts: the gateway's
    // environment holds each API replica's address) and its secrets; the front door the port asked for, if any.
    // Every secret exists before the first replica starts.
    private void AssignPorts()
    {
        _ = Context.Secrets.JwtSigningKey();
        foreach (var resource in _resources)
        {
            switch (resource)
            {
                case PostgresServerResource primary: PostgresHost.AssignPorts(Context, primary); break;
                case PostgresReplicaResource replica: PostgresHost.AssignPorts(Context, replica); break;
                case RedisResource redis: RedisHost.AssignPorts(Context, redis); break;
                case RabbitMQResource rabbit: RabbitMQHost.AssignPorts(Context, rabbit); break;
                case PgBouncerResource pooler: PgBouncerHost.AssignPorts(Context, pooler); break;
                case ProjectResource { RunToCompletion: false } project:
                    project.Ports = [.. Enumerable.Range(0, project.Replicas).Select(_ => project is { External: true, ExternalPort: > 0 } ? project.ExternalPort : Context.Ports.Next())];
                    break;
            }
        }

        _stateFile = new AppHostStateFile(_options.DataDirectory, GatewayUrl, ConnectionStrings(), _notifications);
    }

    // Stage 3: PostgreSQL, its replica (once the primary is up), Redis and RabbitMQ, in parallel: RabbitMQ alone takes
    // several seconds to boot.
    private void StartBackingServices(CancellationToken shutdown)
    {
        var databases = _resources.OfType<PostgresDatabaseResource>().ToList();
        foreach (var resource in _resources)
        {
            switch (resource)
            {
                case PostgresServerResource primary:
                    var slots = _resources.OfType<PostgresReplicaResource>().Where(r => r.Primary == primary).Select(r => r.SlotName).ToList();
                    Start(primary, PostgresHost.Primary(Context, primary, [.. databases.Where(d => d.Primary == primary)], slots));
                    break;
                case PostgresReplicaResource replica:
                    StartAfter(replica, [replica.Primary], [], PostgresHost.Replica(Context, replica), shutdown);
                    break;
                case RedisResource redis:
                    Start(redis, RedisHost.Server(Context, redis));
                    break;
                case PgBouncerResource pooler:
                    StartAfter(pooler, [pooler.Database.Primary], [], PgBouncerHost.Server(Context, pooler), shutdown);
                    break;
                case RabbitMQResource rabbit:
                    Start(rabbit, RabbitMQHost.Epmd(Context, rabbit));
                    Start(rabbit, RabbitMQHost.Broker(Context, rabbit));
                    break;
            }
        }
    }

    // Stage 4: migrations run as soon as PostgreSQL is up; API replicas and the worker start once their backing services
    // are healthy and migrations exited 0; the gateway once Redis is (YARP's own probes tell it when each replica serves).
    private void StartProjects(CancellationToken shutdown)
    {
        foreach (var project in _resources.OfType<ProjectResource>())
        {
            var waitFor = project.WaitFor.Concat(project.References.Select(r => r.Server)).Select(ServerOf).Distinct().ToList();
            foreach (var replica in ProjectHost.Replicas(Context, project, FrontDoor))
            {
                StartAfter(project, waitFor, project.WaitForCompletion, replica, shutdown);
            }
        }
    }

    // Stage 5: every service healthy, every job done.
    private async Task WaitForReplicasAsync(CancellationToken shutdown) =>
        await Context.WaitForReadyAsync(_replicasByResource.Values.SelectMany(r => r), shutdown);

    // Stage 6: say we are ready, then keep apphost.json current until asked to stop.
    private async Task MonitorAsync(CancellationToken shutdown)
    {
        _stateFile!.SetState("ready");
        _console.Ready(GatewayUrl);
        await Task.Delay(Timeout.Infinite, shutdown).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    // Reverse dependency order; each stop waits, then kills; nothing here throws before everything has been stopped.
    public async ValueTask DisposeAsync()
    {
        Try(() => _stateFile?.SetState("stopping"));
        _console.Message("stopping");
        // A project's replicas stop together; a backing service's processes one by one (RabbitMQ before its epmd).
        foreach (var (name, replicas) in _replicasByResource.Reverse())
        {
            if (_resources.First(r => r.Name == name) is ProjectResource)
            {
                await Task.WhenAll(replicas.Select(replica => TryAsync(replica.StopAsync)));
            }
            else
            {
                foreach (var replica in Enumerable.Reverse(replicas))
                {
                    await TryAsync(replica.StopAsync);
                }
            }
        }

        // Anything of ours still alive (a child that ignored its stop and escaped the kill) dies now.
        foreach (var pid in ProcessTable.DescendantsOf(Environment.ProcessId))
        {
            NativeMethods.Signal(pid, PosixSignalNumber.Kill);
        }

        Try(() => _stateFile?.SetState("stopped"));
        Try(() => _tracker?.Delete());
        await _console.DisposeAsync();
    }

    private void Start(Resource resource, ReplicaDefinition definition)
    {
        var supervisor = Register(resource, definition);
        supervisor.Start();
    }

    private void StartAfter(Resource resource, IReadOnlyList<Resource> waitFor, IReadOnlyList<ProjectResource> completions, ReplicaDefinition definition, CancellationToken shutdown)
    {
        var supervisor = Register(resource, definition);
        // Resolved now: what it waits for was registered before it (the model lists dependencies first).
        var dependencies = waitFor.SelectMany(r => _replicasByResource[r.Name]).ToList();
        var jobs = completions.SelectMany(j => _replicasByResource[j.Name]).ToList();
        _ = Task.Run(async () =>
        {
            await Context.WaitForReadyAsync(dependencies, shutdown);
            foreach (var job in jobs)
            {
                await _notifications.WaitForAsync([job.Definition.Id], s => s.State is ReplicaState.Exited or ReplicaState.Failed, shutdown);
                if (_notifications.Get(job.Definition.Id) is { ExitCode: not 0 } failed)
                {
                    _console.ErrorLine(definition.Id, $"not started: {failed.Id} failed with exit code {failed.ExitCode} (see {Context.LogFor(failed.Id).Path})");
                    return;
                }
            }

            supervisor.Start();
        }, shutdown);
    }

    private ReplicaSupervisor Register(Resource resource, ReplicaDefinition definition)
    {
        var supervisor = Context.Supervise(definition);
        if (!_replicasByResource.TryGetValue(resource.Name, out var list))
        {
            _replicasByResource[resource.Name] = list = [];
        }

        list.Add(supervisor);
        return supervisor;
    }

    private static Resource ServerOf(Resource resource) => resource is IResourceWithConnectionString withServer ? withServer.Server : resource;

    // The gateway: its URL is the `ready:` line and apphost.json's url.
    private ProjectResource? FrontDoor => _resources.OfType<ProjectResource>().FirstOrDefault(p => p.External);

    private string GatewayUrl => FrontDoor is { } gateway ? gateway.ReplicaUrl(0) : "";

    private Dictionary<string, string> ConnectionStrings()
    {
        var strings = _resources.OfType<IResourceWithConnectionString>().ToDictionary(r => r.Name, r => r.GetConnectionString());
        foreach (var primary in _resources.OfType<PostgresServerResource>())
        {
            strings[$"{primary.Name}-admin"] = primary.AdminConnectionString;
        }

        foreach (var replica in _resources.OfType<PostgresReplicaResource>())
        {
            strings[$"{replica.Name}-admin"] = replica.AdminConnectionString;
        }

        return strings;
    }

    private static void Try(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex)
        {
            System.Console.Error.WriteLine($"apphost: {ex.Message}");
        }
    }

    private static async Task TryAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception ex)
        {
            System.Console.Error.WriteLine($"apphost: {ex.Message}");
        }
    }
}
