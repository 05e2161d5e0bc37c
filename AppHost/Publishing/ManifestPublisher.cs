using System.Text.Json;
using System.Text.Json.Nodes;
using AspireScale.AppHost.Hosting;
using AspireScale.AppHost.Resources;

namespace AspireScale.AppHost.Publishing;

// `--publisher manifest --output-path FILE`: the model as JSON, like Aspire's manifest; nothing is started.
public static class ManifestPublisher
{
    public static void Write(IReadOnlyList<Resource> resources, string outputPath)
    {
        var root = new JsonObject();
        foreach (var resource in resources)
        {
            root[resource.Name] = Describe(resource);
        }

        if (resources.OfType<ProjectResource>().Any(p => p.SignsTokens))
        {
            root["jwt-signing-key"] = new JsonObject { ["type"] = "parameter.v0", ["secret"] = true };
        }

        var manifest = new JsonObject { ["resources"] = root };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
        File.WriteAllText(outputPath, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private static JsonObject Describe(Resource resource) => resource switch
    {
        PostgresServerResource => new() { ["type"] = "postgres.server.v0" },
        PostgresReplicaResource replica => new() { ["type"] = "postgres.replica.v0", ["primary"] = replica.Primary.Name },
        PostgresDatabaseResource database => new() { ["type"] = "postgres.database.v0", ["parent"] = database.Server.Name, ["databaseName"] = database.DatabaseName },
        RedisResource => new() { ["type"] = "redis.server.v0" },
        RabbitMQResource => new() { ["type"] = "rabbitmq.server.v0" },
        PgBouncerResource pooler => new() { ["type"] = "pgbouncer.v0", ["database"] = pooler.Database.Name },
        ProjectResource project => Describe(project),
        _ => throw new InvalidOperationException($"No manifest shape for {resource.GetType().Name}."),
    };

    private static JsonObject Describe(ProjectResource project)
    {
        var env = new JsonObject();
        foreach (var reference in project.References)
        {
            // Under another name (WithReference(source, connectionName)) the value is still the source's own.
            var source = reference is ConnectionAlias alias ? alias.Target : reference;
            env[$"ConnectionStrings__{reference.Name}"] = $"{{{source.Name}.connectionString}}";
        }

        foreach (var service in project.ServiceReferences)
        {
            env[$"services__{service.Name}__http__0"] = $"{{{service.Name}.bindings.http.url}}";
        }

        // Deployed, a platform balances a project's replicas behind one name (Container Apps' ingress), so the gateway has
        // one destination per referenced project there; locally the AppHost gives it one per replica (api-0, api-1, ...).
        foreach (var target in project.ReplicaDestinations)
        {
            env[$"services__{target.Name}__http__0"] = $"{{{target.Name}.bindings.http.url}}";
            env[$"ReverseProxy__Clusters__{target.Name}__Destinations__{target.Name}__Address"] = $"http://{target.Name}";
        }

        foreach (var (name, value) in project.Environment)
        {
            env[name] = value;
        }

        env["OTEL_SERVICE_NAME"] = project.Name;
        if (project.SignsTokens)
        {
            env["Jwt__SigningKey"] = "{jwt-signing-key.value}";
        }

        var json = new JsonObject
        {
            ["type"] = "project.v0",
            ["path"] = RepositoryPaths.Relative(project.Project.ProjectPath),
        };

        if (project.RunToCompletion)
        {
            json["runToCompletion"] = true;
        }
        else
        {
            json["replicas"] = project.Replicas;
        }

        json["references"] = Names(project.ReplicaDestinations.Select(d => d.Name)
            .Concat(project.References.Select(r => r.Name))
            .Concat(project.ServiceReferences.Select(s => s.Name)));
        json["waitFor"] = Names(project.WaitFor.Select(w => w.Name));
        if (project.WaitForCompletion.Count > 0)
        {
            json["waitForCompletion"] = Names(project.WaitForCompletion.Select(w => w.Name));
        }

        json["env"] = env;
        if (!project.RunToCompletion)
        {
            json["bindings"] = new JsonObject
            {
                ["http"] = new JsonObject { ["scheme"] = "http", ["protocol"] = "tcp", ["transport"] = "http", ["targetPort"] = 8080, ["external"] = project.External },
            };
            json["probes"] = new JsonObject { ["liveness"] = "/alive", ["readiness"] = "/health" };
        }

        return json;
    }

    private static JsonArray Names(IEnumerable<string> names) => new([.. names.Select(n => (JsonNode)n)]);
}
