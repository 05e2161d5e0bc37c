using AspireScale.AppHost.LocalProcesses;

namespace AspireScale.AppHost;

public static class ProjectExtensions
{
    public static IDistributedApplicationBuilder AddStateFile(this IDistributedApplicationBuilder builder, AppHostSettings settings)
    {
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<AppHostStateFile>();
        // Started before the resources, not as a hosted service: the host starts those only after Aspire's own start-up,
        // which waits for the resources.
        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            e.Services.GetRequiredService<AppHostStateFile>().Start();
            return Task.CompletedTask;
        });
        return builder;
    }

    // Development unless --environment says otherwise, as the services' launch profiles would (they have none: the AppHost
    // is their only launcher, and the benchmarks run Production). --otlp: telemetry to that collector instead of the
    // dashboard (set after Aspire's own OTEL_* variables, so it wins).
    public static IResourceBuilder<ProjectResource> WithServiceEnvironment(this IResourceBuilder<ProjectResource> project, AppHostSettings settings)
    {
        project.WithEnvironment("DOTNET_ENVIRONMENT", settings.EnvironmentName).WithEnvironment("ASPNETCORE_ENVIRONMENT", settings.EnvironmentName);
        return settings.Otlp is { } otlp ? project.WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", otlp) : project;
    }

    // The system's front door: a fixed port on request (--port), else a free one; external in a deployment.
    public static IResourceBuilder<ProjectResource> WithFrontDoorEndpoint(this IResourceBuilder<ProjectResource> project, int? port)
    {
        var chosen = port ?? LocalPorts.Next();
        return project.WithHttpEndpoint(port: chosen, targetPort: chosen, name: "http", isProxied: false).WithExternalHttpEndpoints();
    }

    // The gateway reaches each replica itself: a reference (services__api-N__http__0) and a YARP destination http://api-N
    // in cluster "api" per replica; it starts once they are healthy, so its first probes do not eject booting replicas.
    public static IResourceBuilder<ProjectResource> WithReplicaDestinations(this IResourceBuilder<ProjectResource> gateway, IEnumerable<IResourceBuilder<ProjectResource>> replicas)
    {
        foreach (var replica in replicas)
        {
            gateway.WithReference(replica)
                .WithEnvironment($"ReverseProxy__Clusters__api__Destinations__{replica.Resource.Name}__Address", $"http://{replica.Resource.Name}")
                .WaitFor(replica);
        }

        return gateway;
    }

    // A port of the project's own, listened on by Kestrel directly (no DCP proxy hop in front of each request).
    public static IResourceBuilder<ProjectResource> WithUnproxiedHttpEndpoint(this IResourceBuilder<ProjectResource> project)
    {
        var port = LocalPorts.Next();
        return project.WithHttpEndpoint(port: port, targetPort: port, name: "http", isProxied: false);
    }
}
