using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Topology;

// A topology of its own for one test class that disturbs it (kills replicas or servers). Round robin, so that the
// balancing option is seen to take effect too.
public sealed class OwnTopologyFixture : IAsyncLifetime
{
    private RunningAppHost? _app;

    public RunningAppHost App => _app ?? throw new InvalidOperationException("The AppHost did not start.");

    public async Task InitializeAsync() => _app = await DistributedApplicationTestingBuilder.Create("--replicas", "2", "--balancing", "round-robin").StartAsync();

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
