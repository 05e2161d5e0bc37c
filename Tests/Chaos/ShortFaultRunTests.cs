extern alias chaos;
using System.Diagnostics;
using System.Text.Json;
using AspireScale.Tests.Infrastructure;
using AspireScale.Tests.Topology;
using chaos::AspireScale.Bench.Chaos;
using Xunit.Abstractions;

namespace AspireScale.Tests.Chaos;

// One short run of the chaos load (bench/Chaos) with one fault, on a topology of its own: the long runs and the other
// faults are benchmarks (bench/chaos/run.sh, docs/reliability.md).
[Collection(OwnTopology.Name)]
public sealed class ShortFaultRunTests(OwnTopologyFixture fixture, ITestOutputHelper output) : IClassFixture<OwnTopologyFixture>
{
    private const int Workers = 8;
    private readonly RunningAppHost _app = fixture.App;

    [Fact]
    public async Task AnApiReplicaKilledUnderTheMixedLoadLosesNoAcknowledgedWriteOrAcceptedJobAndFailsAtMostWhatWasInFlight()
    {
        await _app.WaitForHealthyAsync("api", TimeSpan.FromSeconds(90));
        var victim = (await _app.RefreshManifestAsync()).Replica("api-0");
        var kill = new Fault("SIGKILL api-0", TimeSpan.FromSeconds(4), () =>
        {
            Process.GetProcessById(victim.Pid!.Value).Kill();
            return Task.CompletedTask;
        });
        var options = new LoadOptions(_app.GatewayUrl, Rate: 40, TimeSpan.FromSeconds(12), Workers, $"t{Environment.ProcessId}", kill);

        var report = await ChaosReport.RunAsync(options, _app.GetConnectionString("conduit"), CancellationToken.None);
        output.WriteLine(JsonSerializer.Serialize(report, JsonSerializerOptions.Web));

        Assert.NotNull(report.FaultAtSeconds);
        Assert.True(report.WorkerDrained, "the Worker did not finish the load's messages within 3 minutes");
        Assert.True(report.Verdict.AcknowledgedWrites > 0 && report.Verdict.JobsAccepted > 0, "the load wrote nothing to check");
        Assert.Empty(report.Verdict.Lost);
        Assert.Empty(report.Verdict.Duplicated);
        Assert.Empty(report.Verdict.JobsLost);
        Assert.Empty(report.Verdict.JobsNotSucceeded);
        Assert.Empty(report.Verdict.StaleReads);
        // The balancer retries what it may; at most the requests in flight on the victim when it died can fail.
        var timeline = report.Timeline;
        Assert.True(timeline.Sent - timeline.Succeeded <= Workers, $"{timeline.Sent - timeline.Succeeded} of {timeline.Sent} requests failed");
        Assert.Equal(0, timeline.ClientErrors);
    }
}
