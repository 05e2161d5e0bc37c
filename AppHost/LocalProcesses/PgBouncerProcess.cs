using AspireScale.AppHost.Supervision;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireScale.AppHost.LocalProcesses;

// PgBouncer (transaction pooling) in front of a database, run by DCP as a local process: the services reach the primary
// through it under the database's own connection name (--pgbouncer); migrations keep a direct session, since they hold an
// advisory lock for the whole run. Like PostgreSQL it refuses to run as root, so as root it runs as the postgres user.
public sealed class PgBouncerProcessResource(string name, string command, string workingDirectory, IResourceWithConnectionString database, string databaseName, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public EndpointReference PrimaryEndpoint => new(this, "tcp");

    public IResourceWithConnectionString Database { get; } = database;

    // Max Auto Prepare=0: in transaction mode consecutive transactions of one client run on different server connections,
    // and PgBouncer 1.18 (Debian 12) does not carry prepared statements across them: Npgsql's automatic preparation failed
    // with "prepared statement _auto0 already exists / does not exist". The clients read it from the connection string,
    // which wins over their own default (ServiceDefaults/NpgsqlExtensions.cs).
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={PrimaryEndpoint.Property(EndpointProperty.Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username=postgres;Password={password};Database={databaseName};Max Auto Prepare=0");
}

public static class PgBouncerProcessBuilderExtensions
{
    public static IResourceBuilder<PgBouncerProcessResource> AddPgBouncer(this IResourceBuilder<IResourceWithConnectionString> database, string name, DataFolder data, int poolSize = 20)
    {
        var builder = database.ApplicationBuilder;
        var folder = data.For(name);
        var configFile = Path.Combine(folder, "pgbouncer.ini");
        var authFile = Path.Combine(folder, "userlist.txt");
        var server = database.Resource is IResourceWithParent { Parent: PostgresProcessResource primary } ? primary
            : throw new ArgumentException("PgBouncer goes in front of a local-process PostgreSQL database.", nameof(database));
        var databaseName = server.Databases[database.Resource.Name];
        var (command, prefix) = LocalTools.AsUser(LocalTools.PostgresUser, LocalTools.Find("pgbouncer", "pgbouncer"));
        var pooler = new PgBouncerProcessResource(name, command, folder, database.Resource, databaseName, server.PasswordParameter);

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(pooler, async (_, ct) =>
        {
            Directory.CreateDirectory(folder);
            // The primary's port is chosen at each start of the AppHost: written anew every time.
            await File.WriteAllTextAsync(configFile, $"""
                [databases]
                {databaseName} = host=127.0.0.1 port={server.PrimaryEndpoint.TargetPort} dbname={databaseName}

                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = {pooler.PrimaryEndpoint.TargetPort}
                unix_socket_dir =
                auth_type = scram-sha-256
                auth_file = {authFile}
                pool_mode = transaction
                default_pool_size = {poolSize}
                max_client_conn = 2000
                ignore_startup_parameters = extra_float_digits
                log_connections = 0
                log_disconnections = 0
                admin_users = postgres
                stats_users = postgres
                """, ct);
            await File.WriteAllTextAsync(authFile, $"\"postgres\" \"{await server.PasswordParameter.GetValueAsync(ct)}\"\n", ct);
            foreach (var path in new[] { configFile, authFile })
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            if (LocalTools.PostgresUser is { } user)
            {
                foreach (var path in new[] { folder, configFile, authFile })
                {
                    LocalTools.GiveTo(path, user);
                }
            }
        });

        // A query through the pooler proves both hops: PgBouncer up and the primary reachable from it.
        var key = $"{name}_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(key, async ct =>
            await PostgresProcessBuilderExtensions.CanQueryAsync((await pooler.ConnectionStringExpression.GetValueAsync(ct))!, "SELECT 1", ct)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy());

        return builder.AddResource(pooler)
            .WithArgs([.. prefix, configFile])
            .WithLocalEndpoint()
            .WithHealthCheck(key)
            .WithRestartOnCrash()
            .WithParentRelationship(server)
            .WaitFor(database);
    }
}
