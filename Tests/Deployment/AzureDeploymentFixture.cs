namespace AspireScale.Tests.Deployment;

// Reads the three descriptions of the system once: azure.yaml, infra/main.bicep compiled, the AppHost's manifest.
public sealed class AzureDeploymentFixture : IAsyncLifetime
{
    private readonly string _workDirectory = Directory.CreateTempSubdirectory("aspirescale-deployment-").FullName;

    public string RepositoryRoot { get; } = Tests.RepositoryRoot.Find();

    public AzureYaml AzureYaml { get; private set; } = null!;

    public CompiledInfrastructure Infrastructure { get; private set; } = null!;

    public TopologyManifest Topology { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        AzureYaml = AzureYaml.Load(Path.Combine(RepositoryRoot, "azure.yaml"));
        var compile = CompiledInfrastructure.CompileAsync(RepositoryRoot, _workDirectory);
        var publish = TopologyManifest.PublishAsync(RepositoryRoot, _workDirectory);
        Infrastructure = await compile;
        Topology = await publish;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_workDirectory, recursive: true);
        return Task.CompletedTask;
    }
}
