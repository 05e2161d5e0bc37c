using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Topology;

// The README's way in: `dotnet run --project AppHost -- --data DIR`. The AppHost's cleanup of a crashed run's leftovers once
// killed every `dotnet` naming the data folder, `dotnet run` included: the system ran on orphaned and Ctrl+C reached nothing.
[Collection(OwnTopology.Name)]
public sealed class DotnetRunTests
{
    [Theory]
    [InlineData("INT", true)] // Ctrl+C in a terminal: SIGINT to the whole foreground process group.
    [InlineData("TERM", false)] // A service manager or `kill`: SIGTERM to `dotnet run` alone, which forwards it.
    public async Task DotnetRunWithADataFolderReachesReadyAndStopsOnASignalWithNothingLeftBehind(string signal, bool toProcessGroup)
    {
        var builder = DistributedApplicationTestingBuilder.Create("--replicas", "1");
        builder.ThroughDotnetRun = true;
        await using var app = await builder.StartAsync();
        var manifest = await app.RefreshManifestAsync();
        var reported = manifest.AllPids();
        var started = reported.Concat(ProcessInspector.StartedBy(app.Pid)).Distinct().ToList();

        Assert.False(app.HasExited, $"dotnet run died after the AppHost started.\n{app.Diagnostics()}");
        Assert.True(ProcessInspector.IsAlive(app.Pid));
        Assert.Contains(manifest.Pid, ProcessInspector.DescendantsOf(app.Pid));

        if (toProcessGroup)
        {
            app.SignalProcessGroup(signal);
        }
        else
        {
            app.Signal(signal);
        }

        await app.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("stopped", (await app.RefreshManifestAsync()).State);
        var alive = ProcessInspector.StillAlive(started);
        Assert.True(alive.Count == 0, string.Join("\n", alive));
        Assert.Empty(ProcessInspector.ProcessesMentioning(app.DataDirectory));
    }
}
