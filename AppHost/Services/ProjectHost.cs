using AspireScale.AppHost.Hosting;
using AspireScale.AppHost.Processes;
using AspireScale.AppHost.Resources;
using AspireScale.AppHost.Supervision;

namespace AspireScale.AppHost.Services;

// A project replica is `dotnet <dll>` with the environment Aspire would give it. A replica keeps its port across its
// restarts: the gateway was given that address in its environment. (Kestrel sets SO_REUSEADDR on Linux, so the
// connections the dead replica left in TIME_WAIT do not stop the new one binding it.)
public static class ProjectHost
{
    private static readonly string Dotnet = FindDotnet();

    public static IEnumerable<ReplicaDefinition> Replicas(HostingContext context, ProjectResource project, ProjectResource? frontDoor)
    {
        for (var index = 0; index < project.Replicas; index++)
        {
            var id = project.ReplicaId(index);
            var replica = index;
            yield return new ReplicaDefinition
            {
                Resource = project.Name,
                Kind = project.Kind,
                Id = id,
                RunToCompletion = project.RunToCompletion,
                CreateSpec = () => Spec(context, project, replica, frontDoor),
            };
        }
    }

    public static Dictionary<string, string> Environment(HostingContext context, ProjectResource project, int index, ProjectResource? frontDoor)
    {
        var replicaId = project.ReplicaId(index);
        var env = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = context.Options.EnvironmentName,
            ["ASPNETCORE_ENVIRONMENT"] = context.Options.EnvironmentName,
            ["OTEL_SERVICE_NAME"] = project.Name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={replicaId}",
            // One line per log entry in <data>/logs, not the multi-line console format.
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        };

        if (!project.RunToCompletion)
        {
            env["ASPNETCORE_URLS"] = project.ReplicaUrl(index);
        }

        foreach (var reference in project.References)
        {
            env[$"ConnectionStrings__{reference.Name}"] = reference.GetConnectionString();
        }

        // Like Aspire, a reference to a load-balanced project resolves to its single front door.
        foreach (var service in project.ServiceReferences)
        {
            env[$"services__{service.Name}__http__0"] = frontDoor is not null && frontDoor.ReplicaDestinations.Contains(service)
                ? frontDoor.ReplicaUrl(0)
                : service.ReplicaUrl(0);
        }

        // Every replica by name, as the Aspire AppHost will give the gateway one referenced resource per replica.
        foreach (var target in project.ReplicaDestinations)
        {
            for (var replica = 0; replica < target.Replicas; replica++)
            {
                var name = target.ReplicaId(replica);
                env[$"services__{name}__http__0"] = target.ReplicaUrl(replica);
                env[$"ReverseProxy__Clusters__{target.Name}__Destinations__{name}__Address"] = $"http://{name}";
            }
        }

        foreach (var (name, value) in project.Environment)
        {
            env[name] = value;
        }

        if (project.SignsTokens)
        {
            env["Jwt__SigningKey"] = context.Secrets.JwtSigningKey();
        }

        if (context.Options.OtlpEndpoint is { } otlp)
        {
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
        }

        return env;
    }

    private static ProcessSpec Spec(HostingContext context, ProjectResource project, int index, ProjectResource? frontDoor)
    {
        var dll = project.Project.TargetPath;
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is not built. Build it with: dotnet build {RepositoryPaths.Relative(project.Project.ProjectPath)}");
        }

        var url = project.RunToCompletion ? null : project.ReplicaUrl(index);
        return new ProcessSpec
        {
            Id = project.ReplicaId(index),
            FileName = Dotnet,
            Arguments = [dll],
            Environment = Environment(context, project, index, frontDoor),
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            Endpoint = url,
            Health = url is null ? null : new HttpHealthProbe(context.ProbeClient, new Uri($"{url}/health")),
        };
    }

    private static string FindDotnet()
    {
        var host = System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (host is not null && File.Exists(host))
        {
            return host;
        }

        return Path.GetFileNameWithoutExtension(System.Environment.ProcessPath) == "dotnet" ? System.Environment.ProcessPath! : Binaries.Find("dotnet", "dotnet-sdk-10.0");
    }
}
