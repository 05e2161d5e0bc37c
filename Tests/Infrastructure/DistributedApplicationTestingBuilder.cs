namespace AspireScale.Tests.Infrastructure;

// Starts the real Aspire AppHost in local-process mode with no dashboard, on a fresh data folder, and hands back a
// RunningAppHost once it is ready. InProcess: through Aspire.Hosting.Testing's DistributedApplicationTestingBuilder in
// this process (the shared topology). Otherwise as a child process, as a developer or a script starts it (dotnet
// AppHost.dll, or dotnet run), for the tests that signal, kill or restart the AppHost itself, which an AppHost inside the
// test host cannot undergo.
public sealed class DistributedApplicationTestingBuilder
{
    // The AppHost project's folder and assembly name.
    public const string AppHostProject = "AppHost";

    // What every test topology runs with: the OS packages' servers (no container engine here) and no dashboard.
    private static readonly string[] Headless = ["--backing-services", "processes", "--dashboard", "off"];

    private readonly string[] _args;

    private DistributedApplicationTestingBuilder(string[] args) => _args = [.. Headless, .. args];

    // 2 cores shared by PostgreSQL x2, RabbitMQ, Redis and 4 .NET processes: a cold start can take a while.
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromMinutes(3);

    public string DataDirectory { get; set; } = Path.Combine(Path.GetTempPath(), $"aspirescale-test-{Guid.NewGuid():N}"[..30]);

    // Off to start a second AppHost on the same folder afterwards (data survives a restart).
    public bool DeleteDataDirectoryOnDispose { get; set; } = true;

    // Start it as a developer does, `dotnet run --project AppHost -- ...`, in a process group of its own (so a test can
    // send the group a terminal's Ctrl+C) with SIGINT's default action even if this test host inherited it ignored.
    public bool ThroughDotnetRun { get; set; }

    // Settings for the services as environment variables (LoginProtection__Lockout=00:00:02), on top of SuiteSettings.
    public Dictionary<string, string> Environment { get; } = [];

    public static DistributedApplicationTestingBuilder Create(params string[] appHostArgs) => new(appHostArgs);

    // In this process through Aspire.Hosting.Testing instead of as a process of its own: for topologies no test signals,
    // kills or restarts as a whole (the shared one).
    public bool InProcess { get; set; }

    public async Task<RunningAppHost> StartAsync(CancellationToken cancellationToken = default)
    {
        if (InProcess)
        {
            return await RunningAppHost.StartInProcessAsync(DataDirectory, _args, DeleteDataDirectoryOnDispose, Environment, StartTimeout, cancellationToken);
        }

        IReadOnlyList<string> command = ThroughDotnetRun
            ? ["env", "--default-signal=INT", "setsid", "dotnet", "run", "--project", Path.Combine(RepositoryRoot.Find(), AppHostProject),
                "--no-build", "--configuration", Configuration, "--"]
            : ["dotnet", AppHostDll()];
        var app = RunningAppHost.Launch(command, DataDirectory, _args, DeleteDataDirectoryOnDispose, Environment);
        try
        {
            await app.WaitForReadyAsync(StartTimeout, cancellationToken);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    // The test's own configuration, which Tests.csproj built the AppHost in first.
    private static string Configuration => AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    // AppHost/bin/<configuration>/net10.0/AppHost.dll.
    internal static string AppHostDll()
    {
        var path = Path.Combine(RepositoryRoot.Find(), AppHostProject, "bin", Configuration, "net10.0", AppHostProject + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing; build it with: dotnet build {AppHostProject}");
    }
}
