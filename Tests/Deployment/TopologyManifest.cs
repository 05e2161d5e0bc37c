using System.Text.Json;

namespace AspireScale.Tests.Deployment;

// The AppHost's model as `dotnet AppHost.dll --publisher manifest --output-path FILE` writes it (schema in the team
// contract): the local topology the Azure deployment must mirror.
public sealed class TopologyManifest
{
    // Points the tests at a manifest file instead of running the AppHost, e.g. one published from another branch.
    public const string OverrideVariable = "ASPIRESCALE_TOPOLOGY_MANIFEST";

    private TopologyManifest(JsonElement resources) => Resources = resources;

    public JsonElement Resources { get; }

    public IEnumerable<(string Name, JsonElement Resource)> OfType(string type) =>
        Resources.EnumerateObject()
            .Where(r => r.Value.TryGetProperty("type", out var t) && t.GetString() == type)
            .Select(r => (r.Name, r.Value));

    public IEnumerable<ManifestProject> Projects => OfType("project.v0").Select(p => new ManifestProject(p.Name, p.Resource));

    public static async Task<TopologyManifest> PublishAsync(string repositoryRoot, string outputDirectory)
    {
        var path = Environment.GetEnvironmentVariable(OverrideVariable);
        if (string.IsNullOrEmpty(path))
        {
            path = Path.Combine(outputDirectory, "apphost-manifest.json");
            var appHost = Path.Combine(repositoryRoot, "AppHost", "bin", BuildConfiguration(), "net10.0", "AppHost.dll");
            if (!File.Exists(appHost))
            {
                throw new InvalidOperationException(
                    $"{appHost} does not exist: build the AppHost (it is built with Tests/Tests.csproj) in the same configuration as the tests.");
            }

            var (exitCode, log) = await CompiledInfrastructure.RunAsync("dotnet", [appHost, "--publisher", "manifest", "--output-path", path]);
            if (exitCode != 0 || !File.Exists(path))
            {
                throw new InvalidOperationException($"dotnet AppHost.dll --publisher manifest exited {exitCode} without writing {path}:\n{log}");
            }
        }

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        return new TopologyManifest(document.RootElement.GetProperty("resources").Clone());
    }

    // Tests/bin/<Configuration>/net10.0/: run the AppHost built alongside these tests.
    private static string BuildConfiguration() =>
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
}

public sealed record ManifestProject(string Name, JsonElement Resource)
{
    public string Path => Resource.GetProperty("path").GetString()!;

    // The project's folder, the form azure.yaml's `project` takes: "Api/Api.csproj" -> "Api".
    public string Folder => System.IO.Path.GetDirectoryName(Path)!.Replace('\\', '/');

    public bool RunsToCompletion => Resource.TryGetProperty("runToCompletion", out var r) && r.ValueKind == JsonValueKind.True;

    public IReadOnlyList<string> References =>
        Resource.TryGetProperty("references", out var r) ? [.. r.EnumerateArray().Select(x => x.GetString()!)] : [];

    public IReadOnlyDictionary<string, string> Environment =>
        Resource.TryGetProperty("env", out var env)
            ? env.EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetString() ?? "")
            : new Dictionary<string, string>();

    public IEnumerable<(string Name, int TargetPort, bool External)> Bindings =>
        Resource.TryGetProperty("bindings", out var bindings)
            ? bindings.EnumerateObject().Select(b => (
                b.Name,
                b.Value.GetProperty("targetPort").GetInt32(),
                b.Value.TryGetProperty("external", out var e) && e.ValueKind == JsonValueKind.True))
            : [];

    public string? Probe(string kind) =>
        Resource.TryGetProperty("probes", out var probes) && probes.TryGetProperty(kind, out var path) ? path.GetString() : null;
}
