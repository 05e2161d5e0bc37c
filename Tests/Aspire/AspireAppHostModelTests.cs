extern alias apphost;

using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using BackingServices = apphost::AspireScale.AppHost.BackingServicesExtensions;
using BackingServicesMode = apphost::AspireScale.AppHost.BackingServicesMode;

namespace AspireScale.Tests.Aspire;

// The Aspire AppHost's model, built and inspected without starting anything: the container mode a laptop with Docker or
// Podman gets (no container engine runs here) and the local-process mode CI runs, under the same names.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AspireAppHostModelTests : IDisposable
{
    private static readonly string[] ServiceNames = ["api-0", "api-1", "worker"];
    private readonly string _data = Path.Combine(Path.GetTempPath(), $"aspirescale-model-{Guid.NewGuid():N}"[..30]);

    [Fact]
    public async Task InContainerModeTheBackingServicesAreAspiresOfficialContainersWithAStreamingReplicaOfTheSameImage()
    {
        var resources = await ModelAsync("containers");

        var postgres = Assert.IsType<PostgresServerResource>(resources["postgres"]);
        var image = postgres.Annotations.OfType<ContainerImageAnnotation>().Single();
        Assert.Equal("library/postgres", image.Image);
        Assert.Contains(postgres.Annotations.OfType<ContainerMountAnnotation>(), m => m.Type == ContainerMountType.Volume);
        Assert.Equal(postgres, Assert.IsType<PostgresDatabaseResource>(resources["conduit"]).Parent);

        var replica = Assert.IsType<ContainerResource>(resources["postgres-replica"]);
        var replicaImage = replica.Annotations.OfType<ContainerImageAnnotation>().Single();
        Assert.Equal((image.Registry, image.Image, image.Tag), (replicaImage.Registry, replicaImage.Image, replicaImage.Tag));
        Assert.Contains(replica.Annotations.OfType<WaitAnnotation>(), w => w.Resource == postgres);
        var replicaArgs = string.Join(' ', await ArgsAsync(replica));
        Assert.Contains("pg_basebackup -h postgres", replicaArgs, StringComparison.Ordinal);
        Assert.Contains("-R -X stream -S postgres_replica", replicaArgs, StringComparison.Ordinal);
        Assert.Contains("hot_standby=on", replicaArgs, StringComparison.Ordinal);
        // The primary is given the replication role, the slot and a pg_hba line by an init script in the data folder.
        var init = Assert.Single(Directory.GetFiles(Path.Combine(_data, "postgres-init")));
        Assert.Contains("pg_create_physical_replication_slot('postgres_replica')", File.ReadAllText(init), StringComparison.Ordinal);

        var conduitRead = (IResourceWithConnectionString)resources["conduit-read"];
        Assert.Equal(replica, ((IResourceWithParent)conduitRead).Parent);
        Assert.Contains("{postgres-replica.bindings.tcp.host}", conduitRead.ConnectionStringExpression.ValueExpression, StringComparison.Ordinal);
        Assert.EndsWith("Database=conduit", conduitRead.ConnectionStringExpression.ValueExpression, StringComparison.Ordinal);

        Assert.IsType<RedisResource>(resources["cache"]);
        Assert.IsType<RabbitMQServerResource>(resources["messaging"]);
        AssertServicesAreWired(resources);
    }

    [Fact]
    public async Task InLocalProcessModeTheSameNamesAreExecutablesOfTheOsPackagesThatWaitForTheirDependencies()
    {
        var resources = await ModelAsync("processes");

        foreach (var name in new[] { "postgres", "postgres-replica", "cache", "messaging", "messaging-epmd" })
        {
            Assert.IsAssignableFrom<ExecutableResource>(resources[name]);
        }

        Assert.Contains("postgres", string.Join(' ', await ArgsAsync(resources["postgres"])) + ((ExecutableResource)resources["postgres"]).Command, StringComparison.Ordinal);
        Assert.Contains(resources["messaging"].Annotations.OfType<WaitAnnotation>(), w => w.Resource.Name == "messaging-epmd");
        Assert.Equal("postgres-replica", ((IResourceWithParent)resources["conduit-read"]).Parent.Name);
        AssertServicesAreWired(resources);

        // The gateway reaches each API replica itself (DCP's replica proxy balances per connection) and starts after them.
        var gateway = Assert.IsType<ProjectResource>(resources["gateway"]);
        var references = gateway.Annotations.OfType<ResourceRelationshipAnnotation>().Where(r => r.Type == "Reference").Select(r => r.Resource.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "api-0", "api-1", "cache" }, references);
        Assert.Superset(new HashSet<string> { "api-0", "api-1" }, gateway.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name).ToHashSet());
        Assert.True(gateway.TryGetEndpoints(out var endpoints));
        Assert.Contains(endpoints, e => e.IsExternal && !e.IsProxied);
    }

    [Fact]
    public async Task WithPgBouncerTheServicesReachThePrimaryThroughThePoolerUnderTheSameNameAndMigrationsDoNot()
    {
        var resources = await ModelAsync("processes", "--pgbouncer");

        var pooler = Assert.IsAssignableFrom<IResourceWithConnectionString>(resources["pgbouncer"]);
        Assert.True(pooler.ConnectionStringExpression.ValueExpression.Contains("{pgbouncer.bindings.tcp.port}", StringComparison.Ordinal), pooler.ConnectionStringExpression.ValueExpression);
        foreach (var name in ServiceNames)
        {
            var references = resources[name].Annotations.OfType<ResourceRelationshipAnnotation>().Where(r => r.Type == "Reference").Select(r => r.Resource.Name).ToList();
            Assert.Contains("pgbouncer", references);
            Assert.DoesNotContain("conduit", references);
        }

        var migrations = resources["migrations"].Annotations.OfType<ResourceRelationshipAnnotation>().Where(r => r.Type == "Reference").Select(r => r.Resource.Name);
        Assert.Equal(["conduit"], migrations);
    }

    [Theory]
    [InlineData(null, true, BackingServicesMode.Containers)]
    [InlineData(null, false, BackingServicesMode.LocalProcesses)]
    [InlineData("auto", true, BackingServicesMode.Containers)]
    [InlineData("containers", false, BackingServicesMode.Containers)]
    [InlineData("processes", true, BackingServicesMode.LocalProcesses)]
    public void TheModeFollowsTheSettingElseWhetherAContainerRuntimeAnswers(string? setting, bool runtimeAnswers, BackingServicesMode expected) =>
        Assert.Equal(expected, BackingServices.Choose(setting, () => runtimeAnswers));

    [Fact]
    public void AnUnknownModeIsRefusedWithTheChoices()
    {
        var error = Assert.Throws<ArgumentException>(() => BackingServices.Choose("kubernetes", () => true));
        Assert.Contains("auto, containers or processes", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    // Every service references and waits for the backing services under the connection names it reads; the API replicas
    // and the Worker start only after the migrations completed.
    private static void AssertServicesAreWired(IReadOnlyDictionary<string, IResource> resources)
    {
        foreach (var name in ServiceNames)
        {
            var service = Assert.IsType<ProjectResource>(resources[name]);
            var references = service.Annotations.OfType<ResourceRelationshipAnnotation>().Where(r => r.Type == "Reference").Select(r => r.Resource.Name).ToHashSet();
            var expected = name == "worker" ? new[] { "conduit", "cache", "messaging" } : ["conduit", "conduit-read", "cache", "messaging"];
            Assert.Superset(expected.ToHashSet(), references);
            var waits = service.Annotations.OfType<WaitAnnotation>().ToList();
            Assert.Contains(waits, w => w.Resource.Name == "migrations" && w.WaitType == WaitType.WaitForCompletion);
            Assert.Superset(expected.ToHashSet(), waits.Select(w => w.Resource.Name).ToHashSet());
        }
    }

    private async Task<IReadOnlyDictionary<string, IResource>> ModelAsync(string mode, params string[] more)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<apphost::Projects.AppHost>(
            ["--data", _data, "--replicas", "2", "--backing-services", mode, .. more], (options, _) => options.DisableDashboard = true);
        return builder.Resources.ToDictionary(r => r.Name);
    }

    private static async Task<IReadOnlyList<string>> ArgsAsync(IResource resource)
    {
        var context = new CommandLineArgsCallbackContext([], resource);
        foreach (var callback in resource.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        return [.. context.Args.Select(a => a as string ?? (a as IValueProvider)?.ToString() ?? a.ToString() ?? "")];
    }
}
