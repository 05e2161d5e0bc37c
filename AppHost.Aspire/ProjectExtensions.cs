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
    // is their only launcher, and the benchmarks run Production).
    public static IResourceBuilder<ProjectResource> WithServiceEnvironment(this IResourceBuilder<ProjectResource> project, AppHostSettings settings) =>
        project.WithEnvironment("DOTNET_ENVIRONMENT", settings.EnvironmentName).WithEnvironment("ASPNETCORE_ENVIRONMENT", settings.EnvironmentName);

    // A port of the project's own, listened on by Kestrel directly (no DCP proxy hop in front of each request).
    public static IResourceBuilder<ProjectResource> WithUnproxiedHttpEndpoint(this IResourceBuilder<ProjectResource> project)
    {
        var port = LocalPorts.Next();
        return project.WithHttpEndpoint(port: port, targetPort: port, name: "http", isProxied: false);
    }
}
