extern alias chaos;
using System.Text.Json;
using AspireScale.Tests.Infrastructure;
using chaos::AspireScale.Bench.Chaos;
using Xunit.Abstractions;

namespace AspireScale.Tests.Chaos;

// Bad input generated from the served OpenAPI documents (bench/Chaos/BadInputCases.cs) through the balancer of the shared
// topology: every operation of v1 and v2, with tokens signed by the topology's own key among the bad ones. The several
// thousand of the benchmark run are in docs/reliability.md; this run is smaller.
[Collection(SharedTopology.Name)]
public sealed class BadInputRunTests(SharedTopologyFixture topology, ITestOutputHelper output)
{
    // The tables the Worker may still be writing for the suite's earlier work (jobs retried or dead-lettered, articles
    // fanned out into feeds, notifications): the run still compares this run's users' jobs and articles.
    private static readonly HashSet<string> Unwatched =
        ["jobs", "notifications", "inbox_messages", "outbox_messages", "feed_entries", "articles"];

    [Fact]
    public async Task EveryOperationRefusesGeneratedBadInputWith4xxInTheErrorsFormatAndWritesNothing()
    {
        var app = topology.App;
        var signingKey = (await File.ReadAllTextAsync(Path.Combine(app.DataDirectory, "secrets", "jwt-signing-key"))).Trim();
        var options = new BadInputOptions(app.GatewayUrl, app.GetConnectionString("conduit"), signingKey, Count: 1500, Concurrency: 8, Unwatched);

        var report = await BadInputReport.RunAsync(options, CancellationToken.None);
        output.WriteLine(JsonSerializer.Serialize(report, JsonSerializerOptions.Web));

        // Every operation of both documents (19 in v1, 7 in v2), each with requests of its own.
        Assert.Equal(26, report.Operations);
        Assert.Equal(26, report.PerOperation.Count);
        Assert.True(report.Sent >= 1500, $"{report.Sent} requests");
        Assert.True(report.Failures.Count == 0, string.Join('\n', report.Failures.Take(40)));
        Assert.Equal(0, report.ServerErrors);
        Assert.Empty(report.TablesChanged);
        Assert.Contains(report.Statuses.Keys, status => status == "401");
        Assert.Contains(report.Statuses.Keys, status => status == "422");
    }
}
