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

    public static IResourceBuilder<GatewayResource> AddGateway(this DistributedApplicationBuilder builder, string name, IResourceBuilder<ProjectResource> target)
    {
        target.Resource.External = true;
        return builder.AddResource(new GatewayResource(name, target.Resource));
    }
}
