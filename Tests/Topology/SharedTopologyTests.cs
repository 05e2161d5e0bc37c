using System.Diagnostics;
using AspireScale.Tests.Infrastructure;
using Npgsql;
using RabbitMQ.Client;
using StackExchange.Redis;

namespace AspireScale.Tests.Topology;

// Read-mostly checks on the one shared AppHost (--replicas 2); nothing here stops or kills anything.
[Collection(SharedTopology.Name)]
public sealed class SharedTopologyTests(SharedTopologyFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly RunningAppHost _app = fixture.App;

    [Fact]
    public async Task EveryResourceIsHealthyOnceTheAppHostSaysReady()
    {
        var manifest = await _app.RefreshManifestAsync();

        Assert.Equal("ready", manifest.State);
        string[] expected = ["postgres", "postgres-replica", "conduit", "conduit-read", "cache", "messaging", "messaging-epmd", "migrations", "api-0", "api-1", "worker", "gateway"];
        Assert.Equal(expected.Order(), manifest.Resources.Select(r => r.Name).Order());
        foreach (var resource in manifest.Resources.Where(r => r.Name != "migrations"))
        {
            Assert.True(resource.IsHealthy, $"{resource.Name} is {resource.State}/{resource.Health}");
            if (resource.Name is not ("conduit" or "conduit-read"))
            {
                // Every process; the databases are not processes of their own.
                Assert.All(resource.Replicas, r => Assert.NotNull(r.Pid));
            }
        }

        var migrations = Assert.Single(manifest.Resource("migrations").Replicas);
        Assert.Equal(("exited", 0), (migrations.State, migrations.ExitCode));
        Assert.Equal(["api-0", "api-1"], manifest.Resource("api").Replicas.Select(r => r.Id));
    }

    [Fact]
    public async Task RequestsThroughTheBalancerReachEveryApiReplica()
    {
        using var client = _app.CreateHttpClient();
        var seen = new HashSet<string>();
        var deadline = DateTime.UtcNow + Deadline;
        while (seen.Count < 2 && DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync(new Uri("/", UriKind.Relative));
            response.EnsureSuccessStatusCode();
            if (response.Headers.TryGetValues("X-Instance", out var instance))
            {
                seen.Add(instance.Single());
            }
        }

        Assert.Equal(["api-0", "api-1"], seen.Order());
    }

    [Fact]
    public async Task EveryReplicaAnswersItsOwnHealthCheckWithItsOwnInstanceId()
    {
        foreach (var replica in new[] { 0, 1 })
        {
            using var client = _app.CreateHttpClient("api", replica);
            using var response = await client.GetAsync(new Uri("/", UriKind.Relative));

            response.EnsureSuccessStatusCode();
            Assert.Equal($"api-{replica}", response.Headers.GetValues("X-Instance").Single());
        }
    }

    [Fact]
    public async Task ARowWrittenOnThePrimaryAppearsOnTheReplica()
    {
        var table = $"replication_probe_{Guid.NewGuid():N}";
        var marker = Guid.NewGuid().ToString();
        await using (var primary = new NpgsqlConnection(_app.GetConnectionString("postgres")))
        {
            await primary.OpenAsync();
            await using var write = new NpgsqlCommand($"CREATE TABLE {table} (marker text); INSERT INTO {table} VALUES (@marker)", primary);
            write.Parameters.AddWithValue("marker", marker);
            await write.ExecuteNonQueryAsync();
        }

        try
        {
            await using var replica = new NpgsqlConnection(_app.GetConnectionString("postgres-replica"));
            await replica.OpenAsync();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            string? found = null;
            while (found is null && DateTime.UtcNow < deadline)
            {
                await using var read = new NpgsqlCommand($"SELECT marker FROM {table} WHERE to_regclass('{table}') IS NOT NULL", replica);
                try
                {
                    found = (string?)await read.ExecuteScalarAsync();
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
                {
                    // The CREATE TABLE has not been replayed yet.
                }

                if (found is null)
                {
                    await Task.Delay(50);
                }
            }

            Assert.Equal(marker, found);

            await using var readOnly = new NpgsqlCommand($"INSERT INTO {table} VALUES ('x')", replica);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => readOnly.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, refused.SqlState);
        }
        finally
        {
            await using var primary = new NpgsqlConnection(_app.GetConnectionString("postgres"));
            await primary.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP TABLE IF EXISTS {table}", primary);
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task TheApplicationConnectionStringsConnectToTheirServers()
    {
        await using (var conduit = new NpgsqlConnection(_app.GetConnectionString("conduit")))
        {
            await conduit.OpenAsync();
            await using var who = new NpgsqlCommand("SELECT current_user || '@' || current_database()", conduit);
            // The server's own user, as Aspire's AddPostgres(...).AddDatabase(...) connects.
            Assert.Equal("postgres@conduit", await who.ExecuteScalarAsync());
        }

        await using (var redis = await ConnectionMultiplexer.ConnectAsync(_app.GetConnectionString("cache")))
        {
            var key = $"apphost-test:{Guid.NewGuid():N}";
            await redis.GetDatabase().StringSetAsync(key, "v", TimeSpan.FromMinutes(1));
            Assert.Equal("v", (string?)await redis.GetDatabase().StringGetAsync(key));
        }

        var factory = new ConnectionFactory { Uri = new Uri(_app.GetConnectionString("messaging")) };
        await using var rabbit = await factory.CreateConnectionAsync();
        Assert.True(rabbit.IsOpen);
    }

    [Fact]
    public async Task EveryApiReplicaGetsTheEnvironmentOfTheContractAndTheSameSigningKey()
    {
        var manifest = await _app.RefreshManifestAsync();
        var replicas = manifest.Resource("api").Replicas;
        var environments = replicas.Select(r => ProcessInspector.Environment(r.Pid!.Value)).ToList();

        for (var i = 0; i < replicas.Count; i++)
        {
            var env = environments[i];
            // Aspire's conventions: the resource's name, and an instance id the dashboard maps its telemetry by.
            Assert.Equal(replicas[i].Id, env["OTEL_SERVICE_NAME"]);
            Assert.StartsWith("service.instance.id=", env["OTEL_RESOURCE_ATTRIBUTES"], StringComparison.Ordinal);
            Assert.Equal(replicas[i].Id, env["InstanceName"]);
            Assert.Equal(replicas[i].Endpoint, env["ASPNETCORE_URLS"]);
            foreach (var name in new[] { "conduit", "conduit-read", "cache", "messaging" })
            {
                Assert.Equal(manifest.ConnectionStrings[name], env[$"ConnectionStrings__{name}"]);
            }
        }

        // One key for all replicas: a token signed by one must validate on the others.
        var key = await File.ReadAllTextAsync(Path.Combine(_app.DataDirectory, "secrets", "jwt-signing-key"));
        Assert.All(environments, env => Assert.Equal(key, env["Jwt__SigningKey"]));
        Assert.True(Convert.FromBase64String(key).Length >= 32);
    }

    [Fact]
    public async Task ASecondAppHostOnTheSameDataFolderRefusesToStartAndLeavesTheFirstAlone()
    {
        var startInfo = new ProcessStartInfo("dotnet", [DistributedApplicationTestingBuilder.AppHostDll(), "--data", _app.DataDirectory, "--backing-services", "processes", "--dashboard", "off"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var second = Process.Start(startInfo)!;
        var errors = second.StandardError.ReadToEndAsync();
        await second.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, second.ExitCode);
        Assert.Contains($"Another AppHost (pid {_app.Pid})", await errors, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_app.DataDirectory, "apphost.pid")));
        Assert.Equal("ready", (await _app.RefreshManifestAsync()).State);
        using var client = _app.CreateHttpClient();
        (await client.GetAsync(new Uri("/", UriKind.Relative))).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task EveryProcessOfTheTopologyListensOnLoopbackOnly()
    {
        var manifest = await _app.RefreshManifestAsync();
        var ours = manifest.AllPids().ToHashSet();

        var listeners = ProcessInspector.ListeningSockets().Where(l => ours.Contains(l.Pid)).ToList();

        // postgres x2, redis, epmd, rabbit (AMQP + distribution), api x2, worker, gateway.
        Assert.True(listeners.Count >= 10, string.Join(", ", listeners));
        Assert.All(listeners, l => Assert.True(l.Address is "127.0.0.1" or "[::1]", $"{l} is not on loopback"));
    }
}
