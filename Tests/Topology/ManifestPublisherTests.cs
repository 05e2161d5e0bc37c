using System.Text.Json;
using AspireScale.Tests.Deployment;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Topology;

// `--publisher manifest` writes Aspire's own manifest of the model (what azd deploys, and what the Azure infrastructure is
// checked against) and starts nothing. A deployment gets containers for the backing services whatever this machine has,
// one "api" with its replica count, and no local ports, environment name or secrets.
public sealed class ManifestPublisherTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("aspirescale-manifest-").FullName;

    [Fact]
    public async Task TheManifestDescribesEveryResourceOfTheTopologyWithOfficialContainersForTheBackingServices()
    {
        var manifest = await TopologyManifest.PublishAsync(RepositoryRoot.Find(), _output, "--replicas", "3");

        Assert.Superset(
            new HashSet<string> { "api", "cache", "conduit", "conduit-read", "gateway", "jwt-signing-key", "messaging", "migrations", "postgres", "postgres-replica", "worker" },
            manifest.Resources.EnumerateObject().Select(r => r.Name).ToHashSet());
        Assert.DoesNotContain(manifest.Resources.EnumerateObject(), r => r.Name.StartsWith("api-", StringComparison.Ordinal) || r.Name == "messaging-epmd");

        var postgresImage = Image(manifest, "postgres");
        Assert.Contains("/postgres:", postgresImage, StringComparison.Ordinal);
        Assert.Equal(postgresImage, Image(manifest, "postgres-replica"));
        Assert.Contains("/redis:", Image(manifest, "cache"), StringComparison.Ordinal);
        Assert.Contains("/rabbitmq:", Image(manifest, "messaging"), StringComparison.Ordinal);
        Assert.Equal("{postgres.connectionString};Database=conduit", manifest["conduit"].GetProperty("connectionString").GetString());
        Assert.Contains("{postgres-replica.bindings.tcp.host}", manifest["conduit-read"].GetProperty("connectionString").GetString(), StringComparison.Ordinal);

        var api = manifest.Projects.Single(p => p.Name == "api");
        Assert.Equal("Api/Api.csproj", api.Path);
        Assert.Equal(3, api.Replicas);
        Assert.Equal("{conduit-read.connectionString}", api.Environment["ConnectionStrings__conduit-read"]);
        Assert.Equal("{jwt-signing-key.value}", api.Environment["Jwt__SigningKey"]);
        Assert.True(manifest.IsSecretParameter("jwt-signing-key"));
        Assert.False(api.Environment.ContainsKey("ASPNETCORE_ENVIRONMENT"));
        Assert.False(api.Environment.ContainsKey("InstanceName"));
        // Only the connection strings: not Aspire's per-reference HOST/PORT/PASSWORD variables.
        Assert.DoesNotContain(api.Environment.Keys, k => k.StartsWith("CONDUIT_", StringComparison.Ordinal) || k.StartsWith("CACHE_", StringComparison.Ordinal));
        Assert.All(manifest.Projects, p => Assert.DoesNotContain(p.Bindings, b => b.External && p.Name != "gateway"));
        Assert.True(manifest.Projects.Single(p => p.Name == "migrations").RunsToCompletion);
        Assert.Equal(("/health", "/alive"), (api.Probe("readiness"), api.Probe("liveness")));
    }

    // The replica's replication password is a secret parameter like the others: the manifest names it, never holds it.
    [Fact]
    public async Task NoSecretIsWrittenIntoTheManifest()
    {
        var manifest = await TopologyManifest.PublishAsync(RepositoryRoot.Find(), _output);

        var replicaEnvironment = manifest["postgres-replica"].GetProperty("env");
        Assert.Equal("{postgres-replication-password.value}", replicaEnvironment.GetProperty("PGPASSWORD").GetString());
        foreach (var parameter in manifest.OfType("parameter.v0").Where(p => p.Name.EndsWith("password", StringComparison.Ordinal)))
        {
            Assert.True(manifest.IsSecretParameter(parameter.Name), parameter.Name);
        }

        var text = await File.ReadAllTextAsync(Path.Combine(_output, "aspire-manifest.json"));
        foreach (var secret in Directory.EnumerateFiles(Path.Combine(_output, "data", "secrets")).Select(File.ReadAllText))
        {
            Assert.DoesNotContain(secret.Trim(), text, StringComparison.Ordinal);
        }
    }

    // The gateway is a project like the others, and the only external endpoint: it reaches the api through service
    // discovery (services__api__http__0) as the YARP destination http://api, and purges its cache over Redis.
    [Fact]
    public async Task TheGatewayIsTheExternalProjectThatReachesTheApiByServiceDiscovery()
    {
        var manifest = await TopologyManifest.PublishAsync(RepositoryRoot.Find(), _output, "--pgbouncer");
        var gateway = manifest.Projects.Single(p => p.Name == "gateway");

        Assert.Equal("Gateway/Gateway.csproj", gateway.Path);
        Assert.True(Assert.Single(gateway.Bindings).External);
        Assert.Equal(["api", "cache"], gateway.References.Order());
        var env = gateway.Environment;
        Assert.Equal("{api.bindings.http.url}", env["services__api__http__0"]);
        Assert.Equal("http://api", env["ReverseProxy__Clusters__api__Destinations__api__Address"]);
        Assert.Equal("{cache.connectionString}", env["ConnectionStrings__cache"]);
        Assert.Equal("PowerOfTwoChoices", env["ReverseProxy__Clusters__api__LoadBalancingPolicy"]);
        Assert.False(env.ContainsKey("Jwt__SigningKey"));
        Assert.Equal("/health", gateway.Probe("readiness"));

        // --pgbouncer is a local process in front of the local PostgreSQL: a deployment has none (Azure Database for
        // PostgreSQL brings its own), so the services keep the database's own connection string.
        Assert.False(manifest.Resources.TryGetProperty("pgbouncer", out _));
        Assert.Equal("{conduit.connectionString}", manifest.Projects.Single(p => p.Name == "api").Environment["ConnectionStrings__conduit"]);
    }

    public void Dispose() => Directory.Delete(_output, recursive: true);

    private static string Image(TopologyManifest manifest, string name)
    {
        var resource = manifest[name];
        Assert.StartsWith("container.", resource.GetProperty("type").GetString(), StringComparison.Ordinal);
        return resource.GetProperty("image").GetString()!;
    }
}
