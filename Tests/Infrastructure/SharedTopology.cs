namespace AspireScale.Tests.Infrastructure;

// One AppHost (--replicas 2) shared by every test class in this collection: for tests that read and write through it
// but never stop, kill or restart anything. Tests that disturb the topology start their own.
[CollectionDefinition(Name)]
public sealed class SharedTopology : ICollectionFixture<SharedTopologyFixture>
{
    public const string Name = "SharedTopology";
}

public sealed class SharedTopologyFixture : IAsyncLifetime
{
    private RunningAppHost? _app;

    public RunningAppHost App => _app ?? throw new InvalidOperationException("The shared AppHost did not start.");

    // On Aspire.Hosting.Testing, in this process: nothing here stops or signals the AppHost itself.
    public async Task InitializeAsync()
    {
        var builder = DistributedApplicationTestingBuilder.Create("--replicas", "2");
        builder.InProcess = true;
        _app = await builder.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

// Test classes that start their own AppHost join this collection so that no two of them run at once (each is a whole
// topology: two would starve 2 cores and time out).
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OwnTopology
{
    public const string Name = "OwnTopology";
}
