using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Jobs;

// Worker replicas are competing consumers of one queue: together they process every job, each job once.
[Collection(OwnTopology.Name)]
public sealed class WorkerReplicasTests
{
    private const int Jobs = 40;
    private const string Processed = "messaging_process_duration_seconds_count";

    [Fact]
    public async Task TwoWorkersShareTheQueueAndProcessEachJobOnce()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await using var app = await DistributedApplicationTestingBuilder.Create("--replicas", "1", "--workers", "2").StartAsync(timeout.Token);
        Assert.Equal(["worker-0", "worker-1"], app.Manifest.Resource("worker").Replicas.Select(r => r.Id));
        await using var jobs = new JobsClient(app.CreateHttpClient(), app.GetConnectionString("conduit"));
        var user = await jobs.Conduit.RegisterAsync("shared");

        var ids = await Task.WhenAll(Enumerable.Range(0, Jobs).Select(_ => jobs.AcceptExportAsync(user)));
        foreach (var id in ids)
        {
            var done = await jobs.WaitForJobAsync(user, id, "succeeded", TimeSpan.FromMinutes(2));
            Assert.Equal(1, done.GetProperty("attempts").GetInt32());
        }

        // Only exports ran on this topology: the workers' processed deliveries add up to the jobs, and each took a share.
        var perWorker = new double[2];
        await Eventually.HoldsAsync(async () =>
        {
            for (var replica = 0; replica < perWorker.Length; replica++)
            {
                using var worker = app.CreateHttpClient("worker", replica);
                perWorker[replica] = Math.Max(0, await PrometheusScrape.SumAsync(worker, Processed));
            }

            return perWorker.Sum() >= Jobs;
        }, TimeSpan.FromSeconds(30), () => $"the workers' processed counts ({string.Join(" / ", perWorker)}) to reach {Jobs}");

        Assert.Equal(Jobs, perWorker.Sum());
        Assert.All(perWorker, count => Assert.True(count > 0, $"a worker processed nothing: {string.Join(" / ", perWorker)}"));
    }
}
