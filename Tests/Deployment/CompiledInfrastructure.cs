using System.Diagnostics;
using System.Text.Json;
using System.Xml.Linq;

namespace AspireScale.Tests.Deployment;

// infra/main.bicep compiled to ARM JSON by the Bicep CLI pinned in Directory.Packages.props (restored from NuGet by
// .ci/bicep.sh), flattened so tests can find resources whatever module declares them.
public sealed class CompiledInfrastructure
{
    private const string BicepPackage = "Azure.Bicep.CommandLine.linux-x64";

    private CompiledInfrastructure(JsonElement template, IReadOnlyList<JsonElement> resources)
    {
        Template = template;
        Resources = resources;
    }

    public JsonElement Template { get; }

    // Every resource the deployment creates, from main.bicep and its modules; `existing` references left out.
    public IReadOnlyList<JsonElement> Resources { get; }

    public IEnumerable<string> OutputNames => Template.GetProperty("outputs").EnumerateObject().Select(o => o.Name);

    public IEnumerable<JsonProperty> Parameters => Template.GetProperty("parameters").EnumerateObject();

    public IEnumerable<JsonElement> OfType(string type) =>
        Resources.Where(r => string.Equals(r.GetProperty("type").GetString(), type, StringComparison.OrdinalIgnoreCase));

    // The container app or job azd deploys the service to: the one tagged azd-service-name=<service>.
    public IReadOnlyList<ContainerWorkload> WorkloadsTagged(string service) =>
        [.. Workloads.Where(w => w.ServiceName == service)];

    public IEnumerable<ContainerWorkload> Workloads =>
        OfType("Microsoft.App/containerApps").Concat(OfType("Microsoft.App/jobs")).Select(r => new ContainerWorkload(r));

    public static async Task<CompiledInfrastructure> CompileAsync(string repositoryRoot, string outputDirectory)
    {
        var bicep = LocateBicep(repositoryRoot);
        var output = Path.Combine(outputDirectory, "main.json");
        var (exitCode, log) = await RunAsync(bicep, ["build", Path.Combine(repositoryRoot, "infra", "main.bicep"), "--outfile", output]);
        if (exitCode != 0 || !File.Exists(output))
        {
            throw new InvalidOperationException($"bicep build infra/main.bicep exited {exitCode}:\n{log}");
        }

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(output));
        var template = document.RootElement.Clone();
        var resources = new List<JsonElement>();
        Collect(template, resources);
        return new CompiledInfrastructure(template, resources);
    }

    // Where NuGet restores the package (see infra/tools/BicepCli.csproj); never downloads anything itself.
    public static string LocateBicep(string repositoryRoot)
    {
        var version = XDocument.Load(Path.Combine(repositoryRoot, "Directory.Packages.props"))
            .Descendants("PackageVersion")
            .FirstOrDefault(p => (string?)p.Attribute("Include") == BicepPackage)?
            .Attribute("Version")?.Value
            ?? throw new InvalidOperationException($"Directory.Packages.props pins no version of {BicepPackage}.");
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var bicep = Path.Combine(packages, BicepPackage.ToLowerInvariant(), version, "tools", "bicep");
        if (!File.Exists(bicep))
        {
            throw new InvalidOperationException(
                $"The Bicep CLI {version} is not at {bicep}. Run `.ci/bicep.sh` first: it restores infra/tools/BicepCli.csproj " +
                "from NuGet and compiles infra/. These tests compare that compiled template with azure.yaml and the AppHost.");
        }

        if (!OperatingSystem.IsWindows())
        {
            // NuGet extracts it without the execute bit; .ci/bicep.sh sets it too.
            File.SetUnixFileMode(bicep, File.GetUnixFileMode(bicep) | UnixFileMode.UserExecute);
        }

        return bicep;
    }

    internal static async Task<(int ExitCode, string Log)> RunAsync(string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Kill first, then report: never leave it running behind a timeout.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{Path.GetFileName(fileName)} {string.Join(' ', start.ArgumentList)} ran over 3 minutes.");
        }

        return (process.ExitCode, (await stdout) + (await stderr));
    }

    private static void Collect(JsonElement template, List<JsonElement> into)
    {
        if (!template.TryGetProperty("resources", out var resources))
        {
            return;
        }

        // languageVersion 2.0 templates key resources by symbolic name; older ones list them.
        var items = resources.ValueKind == JsonValueKind.Object
            ? resources.EnumerateObject().Select(p => p.Value)
            : resources.EnumerateArray();
        foreach (var resource in items)
        {
            if (resource.TryGetProperty("existing", out var existing) && existing.ValueKind == JsonValueKind.True)
            {
                continue;
            }

            into.Add(resource);
            if (resource.GetProperty("type").GetString() == "Microsoft.Resources/deployments")
            {
                Collect(resource.GetProperty("properties").GetProperty("template"), into);
            }
        }
    }
}

// A Microsoft.App/containerApps or Microsoft.App/jobs resource, read through the properties the tests compare.
public sealed class ContainerWorkload(JsonElement resource)
{
    public JsonElement Resource { get; } = resource;

    public string Type => Resource.GetProperty("type").GetString()!;

    public bool IsJob => Type.Equals("Microsoft.App/jobs", StringComparison.OrdinalIgnoreCase);

    public string? ServiceName =>
        Resource.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Object
        && tags.TryGetProperty("azd-service-name", out var name) ? name.GetString() : null;

    public JsonElement Properties => Resource.GetProperty("properties");

    public JsonElement Configuration => Properties.GetProperty("configuration");

    public JsonElement Container => Properties.GetProperty("template").GetProperty("containers")[0];

    public JsonElement? Ingress =>
        Configuration.TryGetProperty("ingress", out var ingress) && ingress.ValueKind == JsonValueKind.Object ? ingress : null;

    public JsonElement? Scale =>
        Properties.GetProperty("template").TryGetProperty("scale", out var scale) ? scale : null;

    public IReadOnlyDictionary<string, EnvironmentVariable> Environment =>
        Container.TryGetProperty("env", out var env)
            ? env.EnumerateArray().ToDictionary(
                e => e.GetProperty("name").GetString()!,
                e => new EnvironmentVariable(
                    e.TryGetProperty("value", out var value) ? value.GetString() : null,
                    e.TryGetProperty("secretRef", out var secretRef) ? secretRef.GetString() : null))
            : [];

    public IReadOnlySet<string> SecretNames =>
        Configuration.TryGetProperty("secrets", out var secrets)
            ? secrets.EnumerateArray().Select(s => s.GetProperty("name").GetString()!).ToHashSet()
            : new HashSet<string>();

    public string? ProbePath(string type) =>
        Container.TryGetProperty("probes", out var probes)
            ? probes.EnumerateArray()
                .Where(p => p.GetProperty("type").GetString() == type && p.TryGetProperty("httpGet", out _))
                .Select(p => p.GetProperty("httpGet").GetProperty("path").GetString())
                .FirstOrDefault()
            : null;

    public int? ProbePort(string type) =>
        Container.TryGetProperty("probes", out var probes)
            ? probes.EnumerateArray()
                .Where(p => p.GetProperty("type").GetString() == type && p.TryGetProperty("httpGet", out _))
                .Select(p => (int?)p.GetProperty("httpGet").GetProperty("port").GetInt32())
                .FirstOrDefault()
            : null;
}

public sealed record EnvironmentVariable(string? Value, string? SecretRef);
