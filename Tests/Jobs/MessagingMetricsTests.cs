using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Jobs;

// The pipeline's metrics (the inputs of the Worker's autoscaling rule and of its dashboards) are exported on /metrics:
// outbox lag and published count by the API replicas' relay, processing time and queue depth by the Worker.
[Collection(SharedTopology.Name)]
public sealed class MessagingMetricsTests(SharedTopologyFixture fixture) : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly JobsClient _jobs = new(fixture.App.CreateHttpClient(), fixture.App.GetConnectionString("conduit"));

    public ValueTask DisposeAsync() => _jobs.DisposeAsync();

    [Fact]
    public async Task AProcessedJobShowsInTheRelaysAndTheWorkersMetrics()
    {
        var user = await _jobs.Conduit.RegisterAsync("metered");
        var publishedBefore = await SumOverApiReplicasAsync("messaging_outbox_published_total");
        var processedBefore = await SampleAsync("worker", 0, "messaging_process_duration_seconds_count");

        var id = await _jobs.AcceptExportAsync(user);
        await _jobs.WaitForJobAsync(user, id, "succeeded", Deadline);

        // Exporters sample on scrape, so the counts grow by at least this job (other tests may add theirs).
        await Eventually.HoldsAsync(async () => await SumOverApiReplicasAsync("messaging_outbox_published_total") > publishedBefore,
            Deadline, () => "messaging_outbox_published to grow on the API replicas");
        await Eventually.HoldsAsync(async () => await SampleAsync("worker", 0, "messaging_process_duration_seconds_count") > processedBefore,
            Deadline, () => "messaging_process_duration_seconds_count to grow on the Worker");
        Assert.True(await SumOverApiReplicasAsync("messaging_outbox_lag_seconds_count") > 0, "no outbox lag recorded");
        await Eventually.HoldsAsync(async () => await SampleAsync("worker", 0, "messaging_queue_depth") >= 0,
            Deadline, () => "the Worker to sample the queue depth");
    }

    private async Task<double> SumOverApiReplicasAsync(string metric)
    {
        var sum = 0.0;
        for (var replica = 0; replica < fixture.App.Manifest.Resource("api").Replicas.Count; replica++)
        {
            sum += Math.Max(0, await SampleAsync("api", replica, metric));
        }

        return sum;
    }

    private async Task<double> SampleAsync(string resource, int replica, string metric)
    {
        using var http = fixture.App.CreateHttpClient(resource, replica);
        return await PrometheusScrape.SumAsync(http, metric);
    }
}
