using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireScale.Tests.Infrastructure;
using Npgsql;

namespace AspireScale.Tests.Topology;

// Kill things under a running topology and watch it heal.
[Collection(OwnTopology.Name)]
public sealed class FaultToleranceTests(OwnTopologyFixture fixture) : IClassFixture<OwnTopologyFixture>
{
    private static readonly TimeSpan RecoveryDeadline = TimeSpan.FromSeconds(90);
    private readonly RunningAppHost _app = fixture.App;

    [Fact]
    public async Task KillingAnApiReplicaUnderSteadyTrafficFailsNoIdempotentRequestAndTheReplicaComesBack()
    {
        await _app.WaitForHealthyAsync("api", RecoveryDeadline);
        var victim = (await _app.RefreshManifestAsync()).Replica("api-0");
        var failures = new ConcurrentQueue<string>();
        var served = new ConcurrentDictionary<string, int>();
        using var stopTraffic = new CancellationTokenSource();
        using var client = _app.CreateHttpClient();

        // Four clients in a loop: the victim is always in the middle of something when it dies.
        var traffic = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stopTraffic.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.GetAsync(new Uri("/", UriKind.Relative), CancellationToken.None);
                    if (!response.IsSuccessStatusCode)
                    {
                        failures.Enqueue($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                    else
                    {
                        served.AddOrUpdate(response.Headers.TryGetValues("X-Instance", out var i) ? i.Single() : "?", 1, (_, n) => n + 1);
                    }
                }
                catch (HttpRequestException ex)
                {
                    failures.Enqueue(ex.Message);
                }
            }
        })).ToList();

        await WaitUntilAsync(() => served.GetValueOrDefault("api-0") > 20, "traffic reaching api-0");
        Process.GetProcessById(victim.Pid!.Value).Kill();

        var recovered = await _app.WaitForAsync(
            m => m.Replica("api-0") is { State: "running", Health: "healthy" } r && r.Pid != victim.Pid && r.Restarts >= 1,
            RecoveryDeadline, "api-0 restarted and healthy");
        var servedBeforeBack = served.GetValueOrDefault("api-0");
        await WaitUntilAsync(() => served.GetValueOrDefault("api-0") > servedBeforeBack + 20, "traffic reaching the restarted api-0");
        await stopTraffic.CancelAsync();
        await Task.WhenAll(traffic);

        Assert.Empty(failures);
        Assert.NotEqual(victim.Pid, recovered.Replica("api-0").Pid);
        Assert.True(served.GetValueOrDefault("api-1") > 0);
    }

    // The gateway is told each replica's address once, in its environment, by Aspire's service-discovery convention
    // (services__api-N__http__0, resolved from the YARP destination http://api-N): so a replica the supervisor restarts
    // must come back on the same port, and the gateway must serve it again without being restarted itself.
    [Fact]
    public async Task TheGatewayFindsEachApiReplicaByServiceDiscoveryAndAKilledReplicaReturnsOnItsPortAndServesThroughIt()
    {
        await _app.WaitForHealthyAsync("api", RecoveryDeadline);
        var before = await _app.RefreshManifestAsync();
        var gateway = before.Replica("gateway");
        var env = ProcessInspector.Environment(gateway.Pid!.Value);
        var replicas = before.Resource("api").Replicas;
        Assert.Equal(["api-0", "api-1"], replicas.Select(r => r.Id));
        foreach (var replica in replicas)
        {
            Assert.Equal(replica.Endpoint, env[$"services__{replica.Id}__http__0"]);
            Assert.Equal($"http://{replica.Id}", env[$"ReverseProxy__Clusters__api__Destinations__{replica.Id}__Address"]);
        }

        Assert.Equal(before.ConnectionStrings["cache"], env["ConnectionStrings__cache"]);
        Assert.Equal(_app.GatewayUrl.ToString().TrimEnd('/'), env["ASPNETCORE_URLS"]);
        Assert.Equal(before.Url, env["ASPNETCORE_URLS"]);
        Assert.Equal("RoundRobin", env["ReverseProxy__Clusters__api__LoadBalancingPolicy"]);
        Assert.Equal("gateway", env["OTEL_SERVICE_NAME"]);
        Assert.NotEqual(before.Pid, gateway.Pid);
        using var client = _app.CreateHttpClient();
        // Its /health is its own (no replica answers it), and healthy while a replica is usable.
        using (var health = await client.GetAsync(new Uri("/health", UriKind.Relative)))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
            Assert.False(health.Headers.Contains("X-Instance"));
            Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
        }

        var victim = before.Replica("api-1");
        Process.GetProcessById(victim.Pid!.Value).Kill();
        var after = await _app.WaitForAsync(
            m => m.Replica("api-1") is { State: "running", Health: "healthy" } r && r.Pid != victim.Pid && r.Restarts > victim.Restarts,
            RecoveryDeadline, "api-1 restarted and healthy");

        Assert.Equal(victim.Endpoint, after.Replica("api-1").Endpoint);
        Assert.Equal(victim.Endpoint, ProcessInspector.Environment(after.Replica("api-1").Pid!.Value)["ASPNETCORE_URLS"]);
        Assert.Equal(gateway.Pid, after.Replica("gateway").Pid);
        // "/" is never cached: each answer comes from a replica.
        await WaitUntilAsync(async () =>
        {
            using var response = await client.GetAsync(new Uri("/", UriKind.Relative));
            return response.IsSuccessStatusCode && response.Headers.GetValues("X-Instance").Single() == "api-1";
        }, "the restarted api-1 answering through the gateway");
    }

    // A write balanced to a replica that refuses the connection (killed, not yet ejected by the health checks) never reached
    // it, so the gateway sends it on to the other replica: each client gets its 201 and each article exists once.
    [Fact]
    public async Task WritesBalancedToAReplicaThatJustDiedGoToTheOtherAndAreAppliedOnce()
    {
        await _app.WaitForHealthyAsync("api", RecoveryDeadline);
        using var client = _app.CreateHttpClient();
        await WaitForBothReplicasAsync(client);
        var name = $"refused{Guid.NewGuid():N}"[..20];
        using var registered = await client.PostAsJsonAsync(new Uri("/api/users", UriKind.Relative), new JsonObject
        {
            ["user"] = new JsonObject { ["username"] = name, ["email"] = $"{name}@example.com", ["password"] = "password123" },
        });
        registered.EnsureSuccessStatusCode();
        var token = (await registered.Content.ReadFromJsonAsync<JsonNode>())!["user"]!["token"]!.GetValue<string>();
        var victim = (await _app.RefreshManifestAsync()).Replica("api-0");
        using (var process = Process.GetProcessById(victim.Pid!.Value))
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        try
        {
            var titles = Enumerable.Range(0, 6).Select(i => $"{name} {i}").ToList();
            foreach (var title in titles)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/articles", UriKind.Relative))
                {
                    Content = JsonContent.Create(new JsonObject
                    {
                        ["article"] = new JsonObject { ["title"] = title, ["description"] = "d", ["body"] = "b" },
                    }),
                };
                request.Headers.Authorization = new("Token", token);
                using var response = await client.SendAsync(request);
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            }

            // Round robin sent at least the first or second to the dead replica before anything ejected it. The AppHost
            // copies the balancer's output into its log a moment after it is written: wait for the line.
            var log = Path.Combine(_app.LogsDirectory, "gateway.log");
            await WaitUntilAsync(
                () => File.ReadLines(log).Any(line => line.Contains("POST /api/articles failed on api-0", StringComparison.Ordinal)),
                "the balancer's log of a POST refused by api-0 and sent on");
            await using var primary = NpgsqlDataSource.Create(_app.GetConnectionString("conduit"));
            await using var count = primary.CreateCommand("SELECT title, count(*) FROM articles WHERE title = ANY($1) GROUP BY title");
            count.Parameters.Add(new NpgsqlParameter { Value = titles.ToArray() });
            var stored = new Dictionary<string, long>();
            await using (var reader = await count.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    stored[reader.GetString(0)] = reader.GetInt64(1);
                }
            }

            Assert.Equal(titles.ToDictionary(t => t, _ => 1L), stored);
        }
        finally
        {
            await _app.WaitForAsync(
                m => m.Replica("api-0") is { State: "running", Health: "healthy" } r && r.Pid != victim.Pid,
                RecoveryDeadline, "api-0 restarted and healthy");
            // Leave the balancer as found: the refusals ejected api-0 from its rotation, which takes it back only after the
            // reactivation period, once the restarted replica answers its probes.
            await WaitUntilAsync(async () =>
            {
                var fromApi0 = 0;
                for (var i = 0; i < 10; i++)
                {
                    fromApi0 += await InstanceAsync(client) == "api-0" ? 1 : 0;
                }

                return fromApi0 >= 4;
            }, "the restarted api-0 back in the balancer's rotation");
        }
    }

    [Fact]
    public async Task AKilledBackingServiceIsRestartedOnItsPortAndTheApiRecoversWithoutARestart()
    {
        await _app.WaitForHealthyAsync("api", RecoveryDeadline);
        var before = await _app.RefreshManifestAsync();
        var redis = before.Replica("cache");
        var apiPids = before.Resource("api").Replicas.Select(r => r.Pid).ToList();

        Process.GetProcessById(redis.Pid!.Value).Kill();

        var after = await _app.WaitForAsync(
            m => m.Replica("cache") is { State: "running", Health: "healthy" } r && r.Pid != redis.Pid && r.Restarts > redis.Restarts,
            RecoveryDeadline, "cache restarted and healthy");
        Assert.Equal(redis.Endpoint, after.Replica("cache").Endpoint);

        // The API's own /health includes Redis: it turns healthy again through its reconnecting client.
        foreach (var replica in new[] { 0, 1 })
        {
            using var client = _app.CreateHttpClient("api", replica);
            await WaitUntilAsync(async () => (await client.GetAsync(new Uri("/health", UriKind.Relative))).IsSuccessStatusCode, $"api-{replica} /health");
        }

        var final = await _app.RefreshManifestAsync();
        Assert.Equal(apiPids, final.Resource("api").Replicas.Select(r => r.Pid));
    }

    [Fact]
    public async Task WithRoundRobinBalancingConsecutiveRequestsOnOneConnectionAlternateBetweenReplicas()
    {
        await _app.WaitForHealthyAsync("api", RecoveryDeadline);
        using var client = _app.CreateHttpClient();
        await WaitForBothReplicasAsync(client);
        var instances = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            instances.Add(await InstanceAsync(client));
        }

        // One keep-alive connection, yet every request goes to the other replica: balancing is per request.
        Assert.DoesNotContain("", instances);
        Assert.All(instances.Zip(instances.Skip(1)), pair => Assert.NotEqual(pair.First, pair.Second));
    }

    // The replica that served "/" (never cached) through the balancer; "" when none did (a replica restarting).
    private static async Task<string> InstanceAsync(HttpClient gateway)
    {
        using var response = await gateway.GetAsync(new Uri("/", UriKind.Relative));
        return response.IsSuccessStatusCode && response.Headers.TryGetValues("X-Instance", out var instance) ? instance.Single() : "";
    }

    // The balancer may still be adding a replica that just turned healthy: wait until both answer.
    private static Task WaitForBothReplicasAsync(HttpClient gateway) => WaitUntilAsync(
        async () => (await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => InstanceAsync(gateway)))).Where(i => i.Length > 0).Distinct().Count() == 2,
        "both replicas behind the gateway");

    private static Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + RecoveryDeadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {RecoveryDeadline.TotalSeconds:0}s for {what}.");
            }

            await Task.Delay(100);
        }
    }
}
