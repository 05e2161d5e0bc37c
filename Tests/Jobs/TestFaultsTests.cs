using System.Net;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Jobs;

// The shared topology runs without Jobs:AllowTestFaults, as production does: testFault is not part of the API there
// (Api/Jobs/TestFaults.cs). JobFaultToleranceTests covers a topology with the setting on.
[Collection(SharedTopology.Name)]
public sealed class TestFaultsTests(SharedTopologyFixture fixture) : IAsyncDisposable
{
    private readonly JobsClient _jobs = new(fixture.App.CreateHttpClient(), fixture.App.GetConnectionString("conduit"));

    public ValueTask DisposeAsync() => _jobs.DisposeAsync();

    [Fact]
    public async Task WithoutTheTestSettingATestFaultIsIgnoredLikeAnyUnknownFieldAndTheExportRunsPlain()
    {
        var user = await _jobs.Conduit.RegisterAsync("nofault");

        // Out of range (a 422 where faults are allowed) and failing every attempt (dead-lettered there): here, nothing.
        using var response = await _jobs.SubmitExportAsync(user, "json", testFault: new { delayMs = -1, failAttempts = 100 });
        var id = (await response.ReadJsonAsync(HttpStatusCode.Accepted)).GetProperty("job").GetProperty("id").GetGuid();

        var done = await _jobs.WaitForJobAsync(user, id, "succeeded", TimeSpan.FromSeconds(60));
        Assert.Equal(1, done.GetProperty("attempts").GetInt32());
        Assert.Equal("{\"jobId\": \"" + id + "\"}", await _jobs.ScalarAsync<string>(
            "SELECT payload::jsonb::text FROM outbox_messages WHERE payload::jsonb ->> 'jobId' = $1", id.ToString()));
    }

    [Fact]
    public async Task WithoutTheTestSettingTheV2OpenApiDocumentDoesNotMentionTestFaults()
    {
        using var http = fixture.App.CreateHttpClient("api", 0);
        var document = await http.GetStringAsync("/openapi/v2.json");

        Assert.Contains("/api/v2/exports", document, StringComparison.Ordinal);
        Assert.Contains("NewExport", document, StringComparison.Ordinal);
        Assert.DoesNotContain("testFault", document, StringComparison.OrdinalIgnoreCase);
    }
}
