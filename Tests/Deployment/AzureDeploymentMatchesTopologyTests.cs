using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using System.Text.RegularExpressions;

namespace AspireScale.Tests.Deployment;

// The AppHost's manifest is the source of truth for the topology; azure.yaml and the Bicep must describe the same
// services, connection strings, health paths and ports. Everything here runs without Azure.
public sealed partial class AzureDeploymentMatchesTopologyTests(AzureDeploymentFixture fixture) : IClassFixture<AzureDeploymentFixture>
{
    private static readonly string[] OutputsAzdAndTheHookRead =
    [
        "AZURE_LOCATION",
        "AZURE_RESOURCE_GROUP",
        "AZURE_CONTAINER_REGISTRY_ENDPOINT",
        "AZURE_CONTAINER_APPS_ENVIRONMENT_ID",
        "SERVICE_GATEWAY_ENDPOINT_URL",
    ];

    private IEnumerable<ManifestProject> Projects => fixture.Topology.Projects;

    private ContainerWorkload WorkloadOf(string service)
    {
        var workloads = fixture.Infrastructure.WorkloadsTagged(service);
        Assert.True(workloads.Count == 1, $"Expected one container app or job tagged azd-service-name={service}, found {workloads.Count}.");
        return workloads[0];
    }

    [Fact]
    public void TheTopologyHasProjectsToCompare()
    {
        Assert.Contains(Projects, p => p.Name == "api");
        Assert.Contains(Projects, p => p.Name == "worker");
        Assert.Contains(Projects, p => p.RunsToCompletion);
    }

    [Fact]
    public void EveryProjectInTheTopologyIsAnAzdServiceBuiltFromTheSameFolder()
    {
        var services = fixture.AzureYaml.Services;
        foreach (var project in Projects)
        {
            Assert.True(services.TryGetValue(project.Name, out var service), $"azure.yaml has no service '{project.Name}'.");
            Assert.Equal(project.Folder, service.Project?.TrimStart('.', '/').TrimEnd('/'));
            Assert.Equal("dotnet", service.Language);
            Assert.Equal("containerapp", service.Host);
            Assert.True(File.Exists(Path.Combine(fixture.RepositoryRoot, project.Path)), $"{project.Path} does not exist.");
        }

        Assert.Empty(services.Keys.Except(Projects.Select(p => p.Name)));
    }

    [Fact]
    public void EveryAzdServiceDeploysToOneContainerAppOrJobTaggedWithItsName()
    {
        foreach (var service in fixture.AzureYaml.Services.Keys)
        {
            WorkloadOf(service);
        }

        var tagged = fixture.Infrastructure.Workloads.Select(w => w.ServiceName).OfType<string>();
        Assert.Empty(tagged.Except(fixture.AzureYaml.Services.Keys));
    }

    [Fact]
    public void ProjectsThatRunToCompletionAreManuallyStartedJobsAndTheRestContainerApps()
    {
        foreach (var project in Projects)
        {
            var workload = WorkloadOf(project.Name);
            Assert.Equal(project.RunsToCompletion, workload.IsJob);
            if (workload.IsJob)
            {
                Assert.Equal("Manual", workload.Configuration.GetProperty("triggerType").GetString());
            }
        }
    }

    [Fact]
    public void EveryConnectionStringTheAppHostGivesAServiceReachesItsContainerAsASecret()
    {
        foreach (var project in Projects)
        {
            var workload = WorkloadOf(project.Name);
            var local = project.Environment.Keys.Where(IsConnectionString).ToHashSet();
            var azure = workload.Environment.Where(e => IsConnectionString(e.Key)).ToDictionary();
            Assert.True(local.SetEquals(azure.Keys),
                $"{project.Name}: the AppHost sets [{string.Join(", ", local.Order())}], Azure [{string.Join(", ", azure.Keys.Order())}].");
            foreach (var (name, variable) in azure)
            {
                Assert.True(variable.SecretRef is not null && workload.SecretNames.Contains(variable.SecretRef),
                    $"{project.Name}: {name} must come from one of its Container Apps secrets.");
            }
        }

        static bool IsConnectionString(string name) => name.StartsWith("ConnectionStrings__", StringComparison.Ordinal);
    }

    [Fact]
    public void EverySettingTheAppHostGivesAServiceIsSetInAzureAndSecretsStaySecrets()
    {
        foreach (var project in Projects)
        {
            var azure = WorkloadOf(project.Name).Environment;
            foreach (var (name, value) in project.Environment)
            {
                Assert.True(azure.TryGetValue(name, out var variable), $"{project.Name}: Azure does not set {name}.");
                if (IsSecretReference(value))
                {
                    Assert.True(variable.SecretRef is not null, $"{project.Name}: {name} is a secret locally but a plain value in Azure.");
                }
                else if (!IsReference(value))
                {
                    Assert.Equal(value, variable.Value);
                }
            }
        }
    }

    [Fact]
    public void EverySecretAContainerReadsIsDeclaredOnItsApp()
    {
        foreach (var workload in fixture.Infrastructure.Workloads)
        {
            foreach (var (name, variable) in workload.Environment.Where(e => e.Value.SecretRef is not null))
            {
                Assert.True(workload.SecretNames.Contains(variable.SecretRef!), $"{workload.ServiceName}: {name} reads undeclared secret '{variable.SecretRef}'.");
            }
        }
    }

    [Fact]
    public void ProbesCheckTheHealthPathsAndPortTheAppHostChecks()
    {
        foreach (var project in Projects.Where(p => p.Probe("liveness") is not null || p.Probe("readiness") is not null))
        {
            var workload = WorkloadOf(project.Name);
            Assert.Equal(project.Probe("liveness"), workload.ProbePath("Liveness"));
            Assert.Equal(project.Probe("readiness"), workload.ProbePath("Readiness"));
            var port = project.Bindings.Single(b => b.Name == "http").TargetPort;
            Assert.Equal(port, workload.ProbePort("Liveness"));
            Assert.Equal(port, workload.ProbePort("Readiness"));
        }
    }

    [Fact]
    public void ExternalBindingsGetExternalIngressOnTheSamePortAndNothingElseIsExposed()
    {
        Assert.Contains(Projects.SelectMany(p => p.Bindings), b => b.External);
        foreach (var project in Projects)
        {
            var ingress = WorkloadOf(project.Name).Ingress;
            var external = project.Bindings.Where(b => b.External).ToList();
            if (external.Count == 0)
            {
                Assert.True(ingress is null || !ingress.Value.GetProperty("external").GetBoolean(),
                    $"{project.Name} has no external binding locally but external ingress in Azure.");
                continue;
            }

            Assert.True(ingress is not null, $"{project.Name} has an external binding locally but no ingress in Azure.");
            Assert.True(ingress.Value.GetProperty("external").GetBoolean());
            Assert.Equal(external.Single().TargetPort, ingress.Value.GetProperty("targetPort").GetInt32());
        }
    }

    [Fact]
    public void TheApiScalesOnConcurrentRequestsFromTwoToTwentyReplicas()
    {
        var scale = WorkloadOf("api").Scale!.Value;
        Assert.Equal(2, scale.GetProperty("minReplicas").GetInt32());
        Assert.Equal(20, scale.GetProperty("maxReplicas").GetInt32());
        var rule = Assert.Single(scale.GetProperty("rules").EnumerateArray());
        var concurrency = rule.GetProperty("http").GetProperty("metadata").GetProperty("concurrentRequests").GetString();
        Assert.True(int.TryParse(concurrency, out var requests) && requests > 0, $"concurrentRequests '{concurrency}' is not a positive number.");
    }

    [Fact]
    public void TheWorkerScalesOnTheLengthOfTheQueueItConsumes()
    {
        var worker = WorkloadOf("worker");
        var scale = worker.Scale!.Value;
        Assert.Equal(1, scale.GetProperty("minReplicas").GetInt32());
        Assert.True(scale.GetProperty("maxReplicas").GetInt32() > 1);
        var rule = Assert.Single(scale.GetProperty("rules").EnumerateArray()).GetProperty("custom");
        Assert.Equal("rabbitmq", rule.GetProperty("type").GetString());
        var metadata = rule.GetProperty("metadata");
        Assert.Equal("conduit.jobs", metadata.GetProperty("queueName").GetString());
        Assert.Equal(AspireScale.Api.Messaging.MessagingTopology.JobsQueue, metadata.GetProperty("queueName").GetString());
        Assert.Equal("QueueLength", metadata.GetProperty("mode").GetString());
        Assert.True(int.TryParse(metadata.GetProperty("value").GetString(), out var perReplica) && perReplica > 0);

        // KEDA connects with the same AMQP URI the worker reads from ConnectionStrings__messaging.
        var host = Assert.Single(rule.GetProperty("auth").EnumerateArray(), a => a.GetProperty("triggerParameter").GetString() == "host");
        Assert.Equal(worker.Environment["ConnectionStrings__messaging"].SecretRef, host.GetProperty("secretRef").GetString());
    }

    [Fact]
    public void EveryServiceRunsInProductionUnderItsOwnServiceName()
    {
        foreach (var service in fixture.AzureYaml.Services.Keys)
        {
            var environment = WorkloadOf(service).Environment;
            Assert.Equal(service, environment["OTEL_SERVICE_NAME"].Value);
            Assert.Equal("Production", environment["ASPNETCORE_ENVIRONMENT"].Value);
        }
    }

    [Fact]
    public void EveryBackingServiceInTheTopologyHasItsAzureCounterpart()
    {
        var infrastructure = fixture.Infrastructure;
        var servers = infrastructure.OfType("Microsoft.DBforPostgreSQL/flexibleServers").ToList();
        var replicas = servers.Where(s => s.GetProperty("properties").TryGetProperty("createMode", out var m) && m.GetString() == "Replica").ToList();

        // The model's PostgreSQL servers, and its read replicas: containers of the same image whose parent is a server.
        var model = fixture.Topology.Model.Values.ToList();
        var primaries = model.OfType<PostgresServerResource>().ToList();
        var localReplicas = model.OfType<ContainerResource>().Where(c => c is not PostgresServerResource
            && c.Annotations.OfType<ResourceRelationshipAnnotation>().Any(r => r.Type == "Parent" && r.Resource is PostgresServerResource)).ToList();
        Assert.NotEmpty(primaries);
        Assert.Equal(primaries.Count, servers.Count - replicas.Count);
        Assert.Equal(localReplicas.Count, replicas.Count);
        Assert.All(replicas, r => Assert.True(r.GetProperty("properties").TryGetProperty("sourceServerResourceId", out _)));

        var databases = infrastructure.OfType("Microsoft.DBforPostgreSQL/flexibleServers/databases").Select(d => d.GetProperty("name").GetString()!).ToList();
        foreach (var database in model.OfType<PostgresDatabaseResource>())
        {
            Assert.True(databases.Any(d => d.EndsWith($"'{database.DatabaseName}')]", StringComparison.Ordinal) || d.EndsWith($"/{database.DatabaseName}", StringComparison.Ordinal)),
                $"No PostgreSQL database named {database.DatabaseName} for '{database.Name}'.");
        }

        if (model.OfType<RedisResource>().Any())
        {
            Assert.NotEmpty(infrastructure.OfType("Microsoft.Cache/redisEnterprise").Concat(infrastructure.OfType("Microsoft.Cache/redis")));
        }

        if (model.OfType<RabbitMQServerResource>().Any())
        {
            var broker = Assert.Single(infrastructure.Workloads, w => w.Ingress is { } i && i.GetProperty("transport").GetString() == "tcp"
                && i.GetProperty("exposedPort").GetInt32() == 5672);
            var mount = Assert.Single(broker.Container.GetProperty("volumeMounts").EnumerateArray());
            Assert.Equal("/var/lib/rabbitmq", mount.GetProperty("mountPath").GetString());
            var volume = Assert.Single(broker.Properties.GetProperty("template").GetProperty("volumes").EnumerateArray());
            Assert.Equal("AzureFile", volume.GetProperty("storageType").GetString());
            Assert.False(broker.Ingress!.Value.GetProperty("external").GetBoolean());
        }
    }

    [Fact]
    public void TheTemplateOutputsWhatAzdAndTheMigrationHookReadAndNoSecrets()
    {
        var outputs = fixture.Infrastructure.OutputNames.ToHashSet();
        foreach (var required in OutputsAzdAndTheHookRead)
        {
            Assert.Contains(required, outputs);
        }

        foreach (var service in fixture.AzureYaml.Services.Keys)
        {
            Assert.Contains($"SERVICE_{service.ToUpperInvariant()}_NAME", outputs);
        }

        foreach (var output in fixture.Infrastructure.Template.GetProperty("outputs").EnumerateObject())
        {
            Assert.DoesNotContain("secure", output.Value.GetProperty("type").GetString()!, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotMatch(SecretLookingName(), output.Name);
        }
    }

    [Fact]
    public void SecretsAreGeneratedOnceByAzdAndNeverDefaultedOrWrittenInTheParametersFile()
    {
        using var parametersFile = JsonDocument.Parse(File.ReadAllText(Path.Combine(fixture.RepositoryRoot, "infra", "main.parameters.json")));
        var supplied = parametersFile.RootElement.GetProperty("parameters").EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
        var declared = fixture.Infrastructure.Parameters.ToDictionary(p => p.Name, p => p.Value);

        Assert.Empty(supplied.Keys.Except(declared.Keys));
        var secure = declared.Where(p => p.Value.GetProperty("type").GetString()!.StartsWith("secure", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.NotEmpty(secure);
        foreach (var (name, parameter) in secure)
        {
            Assert.False(parameter.TryGetProperty("defaultValue", out _), $"Secure parameter {name} has a default.");
            Assert.False(supplied.ContainsKey(name), $"main.parameters.json supplies secure parameter {name}.");
            Assert.Equal("generate", parameter.GetProperty("metadata").GetProperty("azd").GetProperty("type").GetString());
        }

        // Everything else without a default comes from the azd environment.
        foreach (var (name, _) in declared.Where(p => !p.Value.TryGetProperty("defaultValue", out _) && !secure.Any(s => s.Key == p.Key)))
        {
            Assert.True(supplied.TryGetValue(name, out var value) && value.GetProperty("value").GetString()!.StartsWith("${", StringComparison.Ordinal),
                $"main.parameters.json must map {name} to an azd environment variable.");
        }
    }

    [Fact]
    public void TheSigningKeyAzdGeneratesIsBase64OfAtLeast32BytesAsTheApiRequires()
    {
        var parameter = fixture.Infrastructure.Parameters.Single(p => p.Name == "jwtSigningKey").Value;
        var config = parameter.GetProperty("metadata").GetProperty("azd").GetProperty("config");
        var length = config.GetProperty("length").GetInt32();

        // Letters and digits only are all base64 characters; a length divisible by 4 needs no padding.
        Assert.True(config.GetProperty("noSpecial").GetBoolean());
        Assert.Equal(0, length % 4);
        var buffer = new byte[length];
        Assert.True(Convert.TryFromBase64String(new string('x', length), buffer, out var bytes));
        Assert.True(bytes >= 32, $"{length} base64 characters decode to {bytes} bytes; Jwt:SigningKey needs 32.");
    }

    [Fact]
    public void MigrationsSucceedBeforeTheServicesThatUseTheDatabaseRollOut()
    {
        var services = fixture.AzureYaml.Services;
        foreach (var migrations in Projects.Where(p => p.RunsToCompletion))
        {
            var service = services[migrations.Name];
            var hook = service.Hook("postdeploy");
            Assert.True(hook.TryGetValue("run", out var run), $"{migrations.Name} has no postdeploy hook to run it.");

            // Service hooks run from the service's folder.
            var script = Path.GetFullPath(Path.Combine(fixture.RepositoryRoot, migrations.Folder, (string)run));
            Assert.True(File.Exists(script), $"{script} does not exist.");
            Assert.True(OperatingSystem.IsWindows() || File.GetUnixFileMode(script).HasFlag(UnixFileMode.UserExecute), $"{script} is not executable.");
            var text = File.ReadAllText(script);
            Assert.Contains("az containerapp job start", text, StringComparison.Ordinal);
            Assert.Contains($"SERVICE_{migrations.Name.ToUpperInvariant()}_NAME", text, StringComparison.Ordinal);

            foreach (var dependent in Projects.Where(p => !p.RunsToCompletion && p.References.Intersect(migrations.References).Any()))
            {
                Assert.Contains(migrations.Name, services[dependent.Name].Uses);
            }
        }
    }

    // "{conduit.connectionString}" or "{jwt-signing-key.value}": filled in by the AppHost, secret unless a plain parameter.
    private bool IsSecretReference(string value)
    {
        var match = ManifestReference().Match(value);
        if (!match.Success)
        {
            return false;
        }

        var resource = match.Groups["resource"].Value;
        return match.Groups["property"].Value == "connectionString" || fixture.Topology.IsSecretParameter(resource);
    }

    private static bool IsReference(string value) => ManifestReference().IsMatch(value);

    [GeneratedRegex(@"^\{(?<resource>[^.{}]+)\.(?<property>[^{}]+)\}$")]
    private static partial Regex ManifestReference();

    [GeneratedRegex("(?i)password|secret|key$|connectionstring")]
    private static partial Regex SecretLookingName();
}
