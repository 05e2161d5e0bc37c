using System.Diagnostics;
using System.Net;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AspireScale.Tests.Api;

// Disruptive: kills the standby, so it runs on a topology of its own.
[Collection(OwnTopology.Name)]
public sealed class ReplicaFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ReadsFallBackToThePrimaryWhileTheStandbyIsDownAndRestarting()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await using var app = await DistributedApplicationTestingBuilder.Create("--replicas", "1").StartAsync(timeout.Token);
        var conduit = new ConduitClient(app.CreateHttpClient());
        var author = await conduit.RegisterAsync("failover");
        var article = await conduit.CreateArticleAsync(author, tags: ["failover"]);
        await conduit.CommentAsync(author, article.Str("slug"), "still here");
        await app.WaitForReplicaAsync();
        string[] reads =
        [
            $"/api/articles/{article.Str("slug")}",
            $"/api/articles?author={author.Username}",
            $"/api/profiles/{author.Username}",
            $"/api/articles/{article.Str("slug")}/comments",
            "/api/tags",
        ];

        var before = await StandbyAsync(app);
        Assert.True(before.Pid is > 0, $"no pid for the standby in apphost.json: {before}");
        using (var standby = Process.GetProcessById(before.Pid!.Value))
        {
            standby.Kill();
        }

        // Read at once (a burst while the standby is surely down) and keep reading until the AppHost has it back and healthy.
        var failures = new List<string>();
        var count = 0;
        var stopwatch = Stopwatch.StartNew();
        async Task ReadAllAsync()
        {
            foreach (var path in reads)
            {
                count++;
                using var response = await conduit.GetAsync(path);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Add($"{stopwatch.Elapsed.TotalSeconds:F1}s GET {path}: {(int)response.StatusCode} " +
                        ResponseAssertions.Truncate(await response.Content.ReadAsStringAsync(), 200));
                }
            }
        }

        for (var burst = 0; burst < 10; burst++)
        {
            await ReadAllAsync();
        }

        // Writes go on meanwhile (they never touched the standby).
        using (var update = await conduit.SendAsync(HttpMethod.Put, "/api/user", new { user = new { bio = "written while the standby was down" } }, author.Token))
        {
            await update.ReadJsonAsync(HttpStatusCode.OK);
        }

        ReplicaEntry now;
        do
        {
            await ReadAllAsync();
            now = await StandbyAsync(app);
            await Task.Delay(TimeSpan.FromMilliseconds(25)); // pacing, not waiting: the loop condition is the health above
        }
        while (!(now.Pid != before.Pid && now.IsHealthy) && !timeout.IsCancellationRequested);

        output.WriteLine($"{count} reads in {stopwatch.Elapsed.TotalSeconds:F1}s while the standby was down; it came back as pid {now.Pid} " +
            $"({now.State}/{now.Health}, {now.Restarts} restarts)");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} reads failed:\n" + string.Join("\n", failures.Take(20)));
        Assert.False(timeout.IsCancellationRequested, $"the standby did not come back healthy: {now}");
        Assert.True(now.Restarts > before.Restarts, $"the AppHost did not count a restart: before {before}, now {now}");

        // Once it is back it serves again, and has caught up with writes made while it was down.
        await app.WaitForReplicaAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("written while the standby was down",
            await app.Replica().ScalarAsync<string>("SELECT bio FROM users WHERE username = $1", author.Username));
        var profile = (await conduit.GetOkAsync($"/api/profiles/{author.Username}")).GetProperty("profile");
        Assert.Equal("written while the standby was down", profile.Str("bio"));
    }

    private static async Task<ReplicaEntry> StandbyAsync(RunningAppHost app) =>
        (await app.RefreshManifestAsync()).Resource("postgres-replica").Replicas[0];
}
