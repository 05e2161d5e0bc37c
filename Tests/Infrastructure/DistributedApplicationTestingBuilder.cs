namespace AspireScale.Tests.Infrastructure;

// Like Aspire.Hosting.Testing: starts the real AppHost (the built AppHost.dll, as a child process) on a fresh data folder
// and hands back a RunningAppHost once it printed `ready:`.
public sealed class DistributedApplicationTestingBuilder
{
    private readonly string[] _args;

    private DistributedApplicationTestingBuilder(string[] args) => _args = args;

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

    public async Task<RunningAppHost> StartAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> command = ThroughDotnetRun
            ? ["env", "--default-signal=INT", "setsid", "dotnet", "run", "--project", Path.Combine(RepositoryRoot.Find(), "AppHost"),
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
        var path = Path.Combine(RepositoryRoot.Find(), "AppHost", "bin", Configuration, "net10.0", "AppHost.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing; build it with: dotnet build AppHost/AppHost.csproj");
    }
}
