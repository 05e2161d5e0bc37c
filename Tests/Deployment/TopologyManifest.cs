extern alias apphost;

using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace AspireScale.Tests.Deployment;

// The topology a deployment must mirror, from the AppHost in publish mode: Aspire's own manifest
// (`dotnet AppHost.dll --publisher manifest --output-path FILE`: types, images, paths, environment, bindings), and, for
// what that manifest does not carry (which projects run to completion, their probes, replica counts, the backing
// services' kinds), the same AppHost's model built by Aspire.Hosting.Testing without starting anything.
public sealed class TopologyManifest
{
    private TopologyManifest(JsonElement resources, string manifestDirectory, string repositoryRoot, IReadOnlyDictionary<string, IResource> model)
    {
        Resources = resources;
        Model = model;
        Projects = [.. OfType("project.v0").Select(p => new ManifestProject(
            p.Name,
            p.Resource,
            RepositoryRelative(repositoryRoot, manifestDirectory, p.Resource.GetProperty("path").GetString()!),
            model[p.Name])
        {
            RunsToCompletion = model.Values.Any(r => r.Annotations.OfType<WaitAnnotation>().Any(w => w.Resource.Name == p.Name && w.WaitType == WaitType.WaitForCompletion)),
        })];
    }

    public JsonElement Resources { get; }

    public IReadOnlyDictionary<string, IResource> Model { get; }

    public IReadOnlyList<ManifestProject> Projects { get; }

    public IEnumerable<(string Name, JsonElement Resource)> OfType(string type) =>
        Resources.EnumerateObject()
            .Where(r => r.Value.TryGetProperty("type", out var t) && t.GetString() == type)
            .Select(r => (r.Name, r.Value));

    public JsonElement this[string name] => Resources.GetProperty(name);

    // A secret parameter (parameter.v0 whose input is marked secret).
    public bool IsSecretParameter(string name) =>
        Resources.TryGetProperty(name, out var resource)
        && resource.TryGetProperty("inputs", out var inputs)
        && inputs.TryGetProperty("value", out var value)
        && value.TryGetProperty("secret", out var secret) && secret.ValueKind == JsonValueKind.True;

    public static async Task<TopologyManifest> PublishAsync(string repositoryRoot, string outputDirectory, params string[] options)
    {
        // Publishing reads no data folder's state, but the AppHost makes one: never the developer's own.
        string[] arguments = ["--data", Path.Combine(outputDirectory, "data"), .. options];
        var path = Path.Combine(outputDirectory, "aspire-manifest.json");
        var appHost = Infrastructure.DistributedApplicationTestingBuilder.AppHostDll();
        var (exitCode, log) = await CompiledInfrastructure.RunAsync("dotnet", [appHost, "--publisher", "manifest", "--output-path", path, .. arguments]);
        if (exitCode != 0 || !File.Exists(path))
        {
            throw new InvalidOperationException($"dotnet {appHost} --publisher manifest exited {exitCode} without writing {path}:\n{log}");
        }

        var model = await ModelAsync(["--publisher", "manifest", "--output-path", path, .. arguments]);
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        return new TopologyManifest(document.RootElement.GetProperty("resources").Clone(), outputDirectory, repositoryRoot, model);
    }

    private static async Task<IReadOnlyDictionary<string, IResource>> ModelAsync(string[] arguments)
    {
        var builder = await global::Aspire.Hosting.Testing.DistributedApplicationTestingBuilder.CreateAsync<apphost::Projects.AppHost>(
            arguments, (options, _) => options.DisableDashboard = true);
        return builder.Resources.ToDictionary(r => r.Name);
    }

    // Aspire writes project paths relative to the manifest's folder; azure.yaml's are relative to the repository.
    private static string RepositoryRelative(string repositoryRoot, string manifestDirectory, string path) =>
        Path.GetRelativePath(repositoryRoot, Path.GetFullPath(Path.Combine(manifestDirectory, path))).Replace('\\', '/');
}

#pragma warning disable ASPIREPROBES001 // Aspire's probe annotations are marked experimental.
public sealed record ManifestProject(string Name, JsonElement Resource, string Path, IResource Modelled)
{
    // Port .NET's container images listen on (HTTP_PORTS), which azd gives a project binding that names no target port.
    private const int ContainerHttpPort = 8080;

    // The project's folder, the form azure.yaml's `project` takes: "Api/Api.csproj" -> "Api".
    public string Folder => System.IO.Path.GetDirectoryName(Path)!.Replace('\\', '/');

    // Another resource waits for it to complete (WaitForCompletion): a job, not a long-running app.
    public bool RunsToCompletion { get; init; }

    public IReadOnlyList<string> References =>
        [.. Modelled.Annotations.OfType<ResourceRelationshipAnnotation>().Where(r => r.Type == "Reference").Select(r => r.Resource.Name).Distinct()];

    public int Replicas => Modelled.Annotations.OfType<ReplicaAnnotation>().LastOrDefault()?.Replicas ?? 1;

    public IReadOnlyDictionary<string, string> Environment =>
        Resource.TryGetProperty("env", out var env)
            ? env.EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetString() ?? "")
            : new Dictionary<string, string>();

    public IEnumerable<(string Name, int TargetPort, bool External)> Bindings =>
        Resource.TryGetProperty("bindings", out var bindings)
            ? bindings.EnumerateObject().Select(b => (
                b.Name,
                b.Value.TryGetProperty("targetPort", out var port) ? port.GetInt32() : ContainerHttpPort,
                b.Value.TryGetProperty("external", out var e) && e.ValueKind == JsonValueKind.True))
            : [];

    public string? Probe(string kind) =>
        Modelled.Annotations.OfType<EndpointProbeAnnotation>().LastOrDefault(p => string.Equals(p.Type.ToString(), kind, StringComparison.OrdinalIgnoreCase))?.Path;
}
#pragma warning restore ASPIREPROBES001
