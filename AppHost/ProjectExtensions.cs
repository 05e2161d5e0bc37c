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
    // dashboard (set after Aspire's own OTEL_* variables, so it wins). Headless with no --otlp: no endpoint at all, since
    // Aspire still names the absent dashboard's, and each service's exporter then spent ~10 s of its shutdown flushing to it.
    public static IResourceBuilder<ProjectResource> WithServiceEnvironment(this IResourceBuilder<ProjectResource> project, AppHostSettings settings)
    {
        // The services read ConnectionStrings__<name> and services__<name>__http__0 only: not the HOST/PORT/URI variables
        // Aspire 13 also injects per reference, which would put every password in the environment once more.
        project.WithReferenceEnvironment(ReferenceEnvironmentInjectionFlags.ConnectionString | ReferenceEnvironmentInjectionFlags.ServiceDiscovery);
        if (project.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            // A deployment is Production unless its own settings say otherwise.
            return project;
        }

        project.WithEnvironment("DOTNET_ENVIRONMENT", settings.EnvironmentName).WithEnvironment("ASPNETCORE_ENVIRONMENT", settings.EnvironmentName);
        return project.WithEnvironment(context =>
        {
            if (settings.Otlp is { } otlp)
            {
                context.EnvironmentVariables["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
            }
            else if (!settings.Dashboard)
            {
                context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
            }
        });
    }

    // The system's front door: a fixed port on request (--port), else a free one; external in a deployment.
    public static IResourceBuilder<ProjectResource> WithFrontDoorEndpoint(this IResourceBuilder<ProjectResource> project, int? port)
    {
        if (project.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            return project.WithHttpEndpoint(name: "http").WithExternalHttpEndpoints();
        }

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

    // Run: one replica per resource (api-0, api-1 ...), each on a port of its own listened on by Kestrel directly (no DCP
    // proxy hop in front of each request), named in X-Instance as the dashboard names it. Publish: one resource with the
    // replica count; each container's own name identifies it.
    public static IResourceBuilder<ProjectResource> AsApiReplicas(this IResourceBuilder<ProjectResource> project, bool publishing, int replicas)
    {
        if (publishing)
        {
            return project.WithHttpEndpoint(name: "http").WithReplicas(replicas);
        }

        var port = LocalPorts.Next();
        return project.WithHttpEndpoint(port: port, targetPort: port, name: "http", isProxied: false)
            .WithEnvironment("InstanceName", project.Resource.Name);
    }

    // Ready on /health (its dependencies answer), live on /alive: the health checks the AppHost waits on, and the probes
    // a deployment gets (Aspire's probe annotations, read by the deployment consistency test).
    public static IResourceBuilder<ProjectResource> WithHealthProbes(this IResourceBuilder<ProjectResource> project) =>
        project.WithHttpProbe(ProbeType.Readiness, "/health").WithHttpProbe(ProbeType.Liveness, "/alive");
}
