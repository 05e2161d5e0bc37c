using System.Diagnostics;
using System.Text.Json;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Conformance;

// The RealWorld project's own Postman collection (../shared/realworld), run with newman through the load balancer,
// so every assertion crosses the gateway, several API replicas and the read replica.
[Collection(SharedTopology.Name)]
public sealed class PostmanCollectionTests(SharedTopologyFixture fixture)
{
    [Fact]
    public async Task PostmanCollectionPassesEveryAssertionThroughTheBalancer()
    {
        var repo = RepositoryRoot.Find();
        var report = Path.Combine(fixture.App.DataDirectory, "conformance.json");
        var apiRoot = new Uri(fixture.App.GatewayUrl, "/api").ToString();

        var start = new ProcessStartInfo("bash", [Path.Combine(repo, "scripts", "conformance.sh"), apiRoot, report])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var newman = Process.Start(start)!;
        var stdout = newman.StandardOutput.ReadToEndAsync();
        var stderr = newman.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await newman.WaitForExitAsync(timeout.Token);

        Assert.True(File.Exists(report), $"newman wrote no report.\n{await stdout}\n{await stderr}");
        using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(report));
        var stats = json.RootElement.GetProperty("run").GetProperty("stats");
        var assertions = stats.GetProperty("assertions");
        var failures = json.RootElement.GetProperty("run").GetProperty("failures").EnumerateArray()
            .Select(f => $"{f.GetProperty("source").GetProperty("name").GetString()}: {f.GetProperty("error").GetProperty("message").GetString()}")
            .ToList();

        Assert.True(failures.Count == 0, "newman failures:\n" + string.Join('\n', failures));
        Assert.Equal(0, assertions.GetProperty("failed").GetInt32());
        Assert.Equal(0, stats.GetProperty("requests").GetProperty("failed").GetInt32());
        // The collection has 311 assertions; far fewer means requests were skipped, not passed.
        Assert.True(assertions.GetProperty("total").GetInt32() >= 300, $"only {assertions.GetProperty("total")} assertions ran");
        Assert.Equal(0, newman.ExitCode);
    }
}
