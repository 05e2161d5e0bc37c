using AspireScale.AppHost.Hosting;
using AspireScale.AppHost.Processes;
using AspireScale.AppHost.Resources;
using AspireScale.AppHost.Supervision;

namespace AspireScale.AppHost.Services;

// A project replica is `dotnet <dll>` with the environment Aspire would give it. Each start takes a fresh port: a
// replica that crashed may leave its old one in TIME_WAIT, and the gateway follows the move.
public static class ProjectHost
{
    private static readonly string Dotnet = FindDotnet();

    public static IEnumerable<ReplicaDefinition> Replicas(HostingContext context, ProjectResource project, GatewayResource? gateway)
    {
        for (var index = 0; index < project.Replicas; index++)
        {
            var id = project.ReplicaId(index);
            yield return new ReplicaDefinition
            {
                Resource = project.Name,
                Kind = project.Kind,
                Id = id,
                RunToCompletion = project.RunToCompletion,
                CreateSpec = () => Spec(context, project, id, gateway),
            };
        }
    }

    public static Dictionary<string, string> Environment(HostingContext context, ProjectResource project, string replicaId, int? port, GatewayResource? gateway)
    {
        var env = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = context.Options.EnvironmentName,
            ["ASPNETCORE_ENVIRONMENT"] = context.Options.EnvironmentName,
            ["OTEL_SERVICE_NAME"] = project.Name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={replicaId}",
            // One line per log entry in <data>/logs, not the multi-line console format.
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        };

        if (port is { } p)
        {
            env["ASPNETCORE_URLS"] = $"http://127.0.0.1:{p}";
        }

        foreach (var reference in project.References)
        {
            env[$"ConnectionStrings__{reference.Name}"] = reference.GetConnectionString();
        }

        // Like Aspire, a reference to a load-balanced project resolves to its single front door.
        foreach (var service in project.ServiceReferences)
        {
            var url = gateway?.Target == service ? $"http://127.0.0.1:{gateway.Port}" : null;
            if (url is not null)
            {
                env[$"services__{service.Name}__http__0"] = url;
            }
        }

        if (project.External)
        {
            env["Jwt__SigningKey"] = context.Secrets.JwtSigningKey();
        }

        if (context.Options.OtlpEndpoint is { } otlp)
        {
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
        }

        return env;
    }

    private static ProcessSpec Spec(HostingContext context, ProjectResource project, string replicaId, GatewayResource? gateway)
    {
        var dll = project.Project.TargetPath;
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is not built. Build it with: dotnet build {RepositoryPaths.Relative(project.Project.ProjectPath)}");
        }

        int? port = project.RunToCompletion ? null : context.Ports.Next();
        return new ProcessSpec
        {
            Id = replicaId,
            FileName = Dotnet,
            Arguments = [dll],
            Environment = Environment(context, project, replicaId, port, gateway),
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            Endpoint = port is null ? null : $"http://127.0.0.1:{port}",
            Health = port is null ? null : new HttpHealthProbe(context.ProbeClient, new Uri($"http://127.0.0.1:{port}/health")),
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
