using System.Diagnostics;
using System.Net;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Jobs;

// A topology of its own whose Api accepts and Worker honors test faults (slow or failing jobs), because these tests kill
// the Worker and RabbitMQ.
public sealed class JobFaultTopologyFixture : IAsyncLifetime
{
    private const string AllowTestFaults = "Jobs__AllowTestFaults";
    private RunningAppHost? _app;

    public RunningAppHost App => _app ?? throw new InvalidOperationException("The AppHost did not start.");

    public async Task InitializeAsync()
    {
        // The AppHost's children inherit its environment, which inherits ours. The OwnTopology collection runs alone,
        // so no other AppHost is launched while this is set.
        Environment.SetEnvironmentVariable(AllowTestFaults, "true");
        try
        {
            _app = await DistributedApplicationTestingBuilder.Create("--replicas", "1").StartAsync();
        }
        finally
        {
            Environment.SetEnvironmentVariable(AllowTestFaults, null);
        }
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

[Collection(OwnTopology.Name)]
public sealed class JobFaultToleranceTests(JobFaultTopologyFixture fixture) : IClassFixture<JobFaultTopologyFixture>, IAsyncDisposable
{
    private readonly JobsClient _jobs = new(fixture.App.CreateHttpClient(), fixture.App.GetConnectionString("conduit"));

    public ValueTask DisposeAsync() => _jobs.DisposeAsync();

    [Fact]
    public async Task AWorkerKilledMidJobHasTheJobRedeliveredAndCompletedOnce()
    {
        var user = await _jobs.Conduit.RegisterAsync("killed");
        var id = await _jobs.AcceptExportAsync(user, testFault: new { delayMs = 8000, failAttempts = 0 });
        await _jobs.WaitForJobAsync(user, id, "running", TimeSpan.FromSeconds(60));

        var worker = (await fixture.App.RefreshManifestAsync()).Replica("worker");
        Process.GetProcessById(worker.Pid!.Value).Kill();

        var done = await _jobs.WaitForJobAsync(user, id, "succeeded", TimeSpan.FromSeconds(120));
        Assert.Equal(2, done.GetProperty("attempts").GetInt32());
        Assert.Equal(1L, await InboxRowsAsync(id));
        var restarted = (await fixture.App.RefreshManifestAsync()).Replica("worker");
        Assert.NotEqual(worker.Pid, restarted.Pid);
    }

    [Fact]
    public async Task RabbitMQRestartedWhileJobsAreSubmittedAndProcessedLosesNoneAndCompletesEachOnce()
    {
        const int Jobs = 24;
        var user = await _jobs.Conduit.RegisterAsync("brokerdown");
        var accepted = new List<Guid>();
        for (var i = 0; i < Jobs; i++)
        {
            if (i == Jobs / 3)
            {
                var broker = (await fixture.App.RefreshManifestAsync()).Replica("messaging");
                Process.GetProcessById(broker.Pid!.Value).Kill();
            }

            // The outbox lets the API accept while the broker is away.
            using var response = await _jobs.SubmitExportAsync(user, "csv", testFault: new { delayMs = 300, failAttempts = 0 });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            accepted.Add((await response.ReadJsonAsync(HttpStatusCode.Accepted)).GetProperty("job").GetProperty("id").GetGuid());
        }

        await fixture.App.WaitForHealthyAsync("messaging", TimeSpan.FromSeconds(120));
        foreach (var id in accepted)
        {
            await _jobs.WaitForJobAsync(user, id, "succeeded", TimeSpan.FromSeconds(180));
            Assert.Equal(1L, await InboxRowsAsync(id));
        }

        var ownerId = await _jobs.UserIdAsync(user.Username);
        Assert.Equal((long)Jobs, await _jobs.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE owner_id = $1 AND status = 'succeeded'", ownerId));
    }

    [Fact]
    public async Task WithTheTestSettingATestFaultFailsTheFirstAttemptsIsValidatedAndIsDocumented()
    {
        var user = await _jobs.Conduit.RegisterAsync("faulted");

        var id = await _jobs.AcceptExportAsync(user, testFault: new { delayMs = 0, failAttempts = 2 });
        var done = await _jobs.WaitForJobAsync(user, id, "succeeded", TimeSpan.FromSeconds(60));

        // Attempts 1 and 2 failed on purpose (1 s and 2 s of backoff), the third ran the export.
        Assert.Equal(3, done.GetProperty("attempts").GetInt32());
        Assert.Equal(2, await _jobs.ScalarAsync<int>(
            "SELECT (payload::jsonb -> 'testFault' ->> 'failAttempts')::int FROM outbox_messages WHERE payload::jsonb ->> 'jobId' = $1", id.ToString()));
        using var outOfRange = await _jobs.SubmitExportAsync(user, "json", testFault: new { delayMs = -1, failAttempts = 0 });
        Assert.True((await outOfRange.AssertErrorsAsync(HttpStatusCode.UnprocessableEntity)).TryGetProperty("testFault", out _));
        using var http = fixture.App.CreateHttpClient("api", 0);
        Assert.Contains("testFault", await http.GetStringAsync("/openapi/v2.json"), StringComparison.Ordinal);
    }

    // The effect's inbox row: exactly one however many times the message was delivered.
    private Task<long> InboxRowsAsync(Guid jobId) => _jobs.ScalarAsync<long>(
        "SELECT count(*) FROM inbox_messages i JOIN outbox_messages o ON o.message_id = i.message_id " +
        "WHERE i.consumer = 'export' AND o.payload::jsonb ->> 'jobId' = $1", jobId.ToString());
}
