using System.Diagnostics;
using System.Text.Json.Nodes;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Topology;

// `--publisher manifest` writes the model (the contract the Azure infrastructure is checked against) and starts nothing.
public sealed class ManifestPublisherTests
{
    [Fact]
    public async Task TheManifestDescribesEveryResourceOfTheTopology()
    {
        var resources = await PublishAsync();

        Assert.Equal(
            ["api", "cache", "conduit", "conduit-read", "gateway", "jwt-signing-key", "messaging", "migrations", "postgres", "postgres-replica", "worker"],
            resources.Select(r => r.Key).Order());
        Assert.Equal("postgres.replica.v0", (string?)resources["postgres-replica"]!["type"]);
        Assert.Equal("postgres-replica", (string?)resources["conduit-read"]!["parent"]);
        Assert.True((bool)resources["migrations"]!["runToCompletion"]!);
        Assert.Equal("Api/Api.csproj", (string?)resources["api"]!["path"]);
        Assert.Equal(2, (int)resources["api"]!["replicas"]!);
        Assert.Equal(["migrations"], resources["api"]!["waitForCompletion"]!.AsArray().Select(n => (string?)n));
        Assert.Equal("{conduit-read.connectionString}", (string?)resources["api"]!["env"]!["ConnectionStrings__conduit-read"]);
        Assert.False((bool)resources["api"]!["bindings"]!["http"]!["external"]!);
        Assert.False((bool)resources["worker"]!["bindings"]!["http"]!["external"]!);
        Assert.Equal("{jwt-signing-key.value}", (string?)resources["api"]!["env"]!["Jwt__SigningKey"]);
    }

    // The gateway is a project like the others, and the only external endpoint: it reaches the api through service
    // discovery (services__api__http__0) as the YARP destination http://api, and purges its cache over Redis.
    [Fact]
    public async Task TheGatewayIsTheExternalProjectThatReachesTheApiByServiceDiscovery()
    {
        var gateway = (await PublishAsync())["gateway"]!;

        Assert.Equal("project.v0", (string?)gateway["type"]);
        Assert.Equal("Gateway/Gateway.csproj", (string?)gateway["path"]);
        Assert.True((bool)gateway["bindings"]!["http"]!["external"]!);
        Assert.Equal(["api", "cache"], gateway["references"]!.AsArray().Select(n => (string?)n));
        var env = gateway["env"]!;
        Assert.Equal("{api.bindings.http.url}", (string?)env["services__api__http__0"]);
        Assert.Equal("http://api", (string?)env["ReverseProxy__Clusters__api__Destinations__api__Address"]);
        Assert.Equal("{cache.connectionString}", (string?)env["ConnectionStrings__cache"]);
        Assert.Equal("PowerOfTwoChoices", (string?)env["ReverseProxy__Clusters__api__LoadBalancingPolicy"]);
        Assert.Null(env["Jwt__SigningKey"]);
        Assert.Equal("/health", (string?)gateway["probes"]!["readiness"]);
    }

    // --pgbouncer: the services' ConnectionStrings__conduit is the pooler's; the migrator keeps the primary's (it holds
    // an advisory lock for its whole run, which transaction pooling would not keep on one server session).
    [Fact]
    public async Task WithPgBouncerTheServicesReferThePoolerUnderTheSameNameAndMigrationsThePrimary()
    {
        var resources = await PublishAsync("--pgbouncer");

        Assert.Equal("conduit", (string?)resources["pgbouncer"]!["database"]);
        Assert.Equal("{pgbouncer.connectionString}", (string?)resources["api"]!["env"]!["ConnectionStrings__conduit"]);
        Assert.Equal("{pgbouncer.connectionString}", (string?)resources["worker"]!["env"]!["ConnectionStrings__conduit"]);
        Assert.Equal("{conduit.connectionString}", (string?)resources["migrations"]!["env"]!["ConnectionStrings__conduit"]);
    }

    private static async Task<JsonObject> PublishAsync(params string[] options)
    {
        var output = Path.Combine(Path.GetTempPath(), $"apphost-manifest-{Guid.NewGuid():N}.json");
        try
        {
            using var process = Process.Start(new ProcessStartInfo("dotnet", [AppHostAssembly.Path, "--publisher", "manifest", "--output-path", output, .. options])
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            })!;
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, process.ExitCode);
            return JsonNode.Parse(await File.ReadAllTextAsync(output))!["resources"]!.AsObject();
        }
        finally
        {
            File.Delete(output);
        }
    }
}
