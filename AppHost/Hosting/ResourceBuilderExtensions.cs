using AspireScale.AppHost.Resources;

namespace AspireScale.AppHost.Hosting;

// The Aspire-shaped surface Program.cs is written in.
public static class ResourceBuilderExtensions
{
    public static IResourceBuilder<PostgresServerResource> AddPostgres(this DistributedApplicationBuilder builder, string name) =>
        builder.AddResource(new PostgresServerResource(name));

    public static IResourceBuilder<PostgresReplicaResource> AddReadReplica(this IResourceBuilder<PostgresServerResource> primary, string name) =>
        primary.ApplicationBuilder.AddResource(new PostgresReplicaResource(name, primary.Resource));

    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<PostgresServerResource> server, string name, string? databaseName = null) =>
        server.ApplicationBuilder.AddResource(new PostgresDatabaseResource(name, server.Resource, databaseName ?? name));

    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<PostgresReplicaResource> replica, string name, string? databaseName = null) =>
        replica.ApplicationBuilder.AddResource(new PostgresDatabaseResource(name, replica.Resource, databaseName ?? name));

    public static IResourceBuilder<RedisResource> AddRedis(this DistributedApplicationBuilder builder, string name) =>
        builder.AddResource(new RedisResource(name));

    public static IResourceBuilder<RabbitMQResource> AddRabbitMQ(this DistributedApplicationBuilder builder, string name) =>
        builder.AddResource(new RabbitMQResource(name));

    public static IResourceBuilder<ProjectResource> AddProject<TProject>(this DistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new() =>
        builder.AddResource(new ProjectResource(name, new TProject()));

    public static IResourceBuilder<ProjectResource> WithReplicas(this IResourceBuilder<ProjectResource> project, int replicas)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        project.Resource.Replicas = replicas;
        return project;
    }

    public static IResourceBuilder<ProjectResource> WithReference(this IResourceBuilder<ProjectResource> project, IResourceBuilder<IResourceWithConnectionString> source)
    {
        project.Resource.References.Add(source.Resource);
        return project;
    }

    // Like Aspire's WithReference(source, connectionName): the project reads ConnectionStrings__<connectionName>.
    public static IResourceBuilder<ProjectResource> WithReference(this IResourceBuilder<ProjectResource> project, IResourceBuilder<IResourceWithConnectionString> source, string connectionName)
    {
        project.Resource.References.Add(new ConnectionAlias(connectionName, source.Resource));
        return project;
    }

    public static IResourceBuilder<PgBouncerResource> AddPgBouncer(this IResourceBuilder<PostgresDatabaseResource> database, string name) =>
        database.ApplicationBuilder.AddResource(new PgBouncerResource(name, database.Resource));

    // services__<name>__http__0: service discovery of another project.
    public static IResourceBuilder<ProjectResource> WithReference(this IResourceBuilder<ProjectResource> project, IResourceBuilder<ProjectResource> service)
    {
        project.Resource.ServiceReferences.Add(service.Resource);
        return project;
    }

    public static IResourceBuilder<ProjectResource> WaitFor(this IResourceBuilder<ProjectResource> project, IResourceBuilder<Resource> dependency)
    {
        project.Resource.WaitFor.Add(dependency.Resource);
        return project;
    }

    public static IResourceBuilder<ProjectResource> WaitForCompletion(this IResourceBuilder<ProjectResource> project, IResourceBuilder<ProjectResource> job)
    {
        job.Resource.RunToCompletion = true;
        project.Resource.WaitForCompletion.Add(job.Resource);
        return project;
    }

    public static IResourceBuilder<ProjectResource> WithEnvironment(this IResourceBuilder<ProjectResource> project, string name, string value)
    {
        project.Resource.Environment[name] = value;
        return project;
    }

    // Like Aspire's WithExternalHttpEndpoints: the project's http endpoint is the system's front door; port 0 = any.
    public static IResourceBuilder<ProjectResource> WithExternalHttpEndpoints(this IResourceBuilder<ProjectResource> project, int port = 0)
    {
        project.Resource.External = true;
        project.Resource.ExternalPort = port;
        return project;
    }

    public static IResourceBuilder<ProjectResource> WithJwtSigningKey(this IResourceBuilder<ProjectResource> project)
    {
        project.Resource.SignsTokens = true;
        return project;
    }

    // What the Aspire AppHost will do with one project resource per replica (api-0, api-1, ...) and WithReference to
    // each: services__api-N__http__0 for service discovery, plus the YARP destination http://api-N in cluster "api".
    public static IResourceBuilder<ProjectResource> WithReplicaDestinations(this IResourceBuilder<ProjectResource> project, IResourceBuilder<ProjectResource> target)
    {
        target.Resource.Balanced = true;
        project.Resource.ReplicaDestinations.Add(target.Resource);
        return project;
    }

    // The load balancer (the Gateway project) in front of every replica of the target, with the AppHost's options
    // (--port, --balancing, --gateway-cache) as its configuration.
    public static IResourceBuilder<ProjectResource> AddGateway(this DistributedApplicationBuilder builder, string name, IResourceBuilder<ProjectResource> target) =>
        builder.AddProject<Projects.Gateway>(name)
            .WithExternalHttpEndpoints(builder.Options.GatewayPort)
            .WithReplicaDestinations(target)
            .WithEnvironment($"ReverseProxy__Clusters__{target.Resource.Name}__LoadBalancingPolicy", builder.Options.Balancing.ToYarpPolicy())
            .WithEnvironment("Gateway__ResponseCache", builder.Options.GatewayCache ? "true" : "false");
}
