using AspireScale.AppHost.Supervision;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace AspireScale.AppHost.LocalProcesses;

// PostgreSQL run by DCP as a local process, for machines with no container runtime: the same resource names and connection
// strings as Aspire's AddPostgres(...).AddDatabase(...), so the services cannot tell the two apart.
public class PostgresProcessResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";
    public const string SuperUser = "postgres";

    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    public ParameterResource PasswordParameter { get; } = password;

    public Dictionary<string, string> Databases { get; } = [];

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={PrimaryEndpoint.Property(EndpointProperty.Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username={SuperUser};Password={PasswordParameter}");
}

// A hot standby of a PostgresProcessResource, cloned with pg_basebackup and fed by streaming replication.
public sealed class PostgresReplicaProcessResource(string name, string command, string workingDirectory, PostgresProcessResource primary)
    : PostgresProcessResource(name, command, workingDirectory, primary.PasswordParameter), IResourceWithParent<PostgresProcessResource>
{
    public PostgresProcessResource Parent { get; } = primary;

    public string SlotName => Name.Replace('-', '_');
}

public sealed class PostgresProcessDatabaseResource(string name, string databaseName, PostgresProcessResource server)
    : Resource(name), IResourceWithParent<PostgresProcessResource>, IResourceWithConnectionString
{
    public PostgresProcessResource Parent { get; } = server;

    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Parent};Database={DatabaseName}");
}

public static class PostgresProcessBuilderExtensions
{
    private const string ReplicationRole = "replicator";

    // The primary: initdb on first run (as the postgres user when we are root), then `postgres` in the foreground.
    public static IResourceBuilder<PostgresProcessResource> AddPostgresProcess(this IDistributedApplicationBuilder builder, string name, DataFolder data)
    {
        var password = builder.AddParameter($"{name}-password", () => data.Password("postgres-superuser"), secret: true);
        var replicationPassword = data.Password("postgres-replication");
        var folder = data.For(name);
        var (command, _) = LocalTools.AsUser(LocalTools.PostgresUser, LocalTools.FindPostgres("postgres"));
        var server = new PostgresProcessResource(name, command, data.Path, password.Resource);

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(server, async (e, ct) =>
        {
            var logger = e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(server);
            await InitializeClusterAsync(data, server, folder, logger, ct);
        });
        // Idempotent, after every start: the replication role and each replica's slot, then the databases.
        builder.Eventing.Subscribe<ResourceReadyEvent>(server, async (e, ct) =>
        {
            var connectionString = await server.ConnectionStringExpression.GetValueAsync(ct);
            await EnsureRolesDatabasesAndSlotsAsync(connectionString!, server, replicationPassword, builder.Resources.OfType<PostgresReplicaProcessResource>().Where(r => r.Parent == server), ct);
        });

        return builder.AddResource(server)
            .WithServerArguments(folder)
            .WithLocalEndpoint()
            .WithReadinessCheck(builder, expectStandby: false)
            .WithRestartOnCrash()
            .WithIconName("DatabaseStack");
    }

    // A hot standby, cloned from the primary on first run with pg_basebackup -R through a physical replication slot.
    public static IResourceBuilder<PostgresReplicaProcessResource> AddReadReplica(this IResourceBuilder<PostgresProcessResource> primary, string name, DataFolder data)
    {
        var builder = primary.ApplicationBuilder;
        var folder = data.For(name);
        var replicationPassword = data.Password("postgres-replication");
        var replica = new PostgresReplicaProcessResource(name, primary.Resource.Command, data.Path, primary.Resource);

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(replica, async (e, ct) =>
        {
            // The clone needs the primary's replication role and slot, which its ready event makes. (Aspire refuses a
            // WaitFor on a parent, so the replica waits here.)
            await e.Services.GetRequiredService<ResourceNotificationService>().WaitForResourceHealthyAsync(primary.Resource.Name, ct);
            var logger = e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(replica);
            var primaryPort = primary.Resource.PrimaryEndpoint.Port;
            await CloneFromPrimaryAsync(replica, folder, primaryPort, replicationPassword, logger, ct);
        });

        return builder.AddResource(replica)
            .WithServerArguments(folder)
            .WithLocalEndpoint()
            .WithReadinessCheck(builder, expectStandby: true)
            .WithRestartOnCrash()
            .WithParentRelationship(primary)
            .WithIconName("DatabaseStack");
    }

    public static IResourceBuilder<PostgresProcessDatabaseResource> AddDatabase<T>(this IResourceBuilder<T> server, string name, string? databaseName = null)
        where T : PostgresProcessResource
    {
        var database = new PostgresProcessDatabaseResource(name, databaseName ?? name, server.Resource);
        server.Resource.Databases.TryAdd(name, database.DatabaseName);
        var healthCheckKey = $"{name}_check";
        // Ready when it answers: the primary's ready event creates it, a replica receives it by replication.
        server.ApplicationBuilder.Services.AddHealthChecks().AddAsyncCheck(healthCheckKey, async ct =>
        {
            var connectionString = await database.ConnectionStringExpression.GetValueAsync(ct);
            return await CanQueryAsync(connectionString!, "SELECT 1", ct) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy();
        });
        // Running once its server is ready (for the primary, after the server's own ready handler made it); from then on
        // its health check says whether it answers.
        server.ApplicationBuilder.Eventing.Subscribe<ResourceReadyEvent>(server.Resource, (e, _) =>
            e.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(database, snapshot => snapshot with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            }));
        return server.ApplicationBuilder.AddResource(database)
            .WithParentRelationship(server)
            .WithHealthCheck(healthCheckKey)
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "PostgresDatabase", Properties = [], State = KnownResourceStates.Waiting });
    }

    private static IResourceBuilder<T> WithServerArguments<T>(this IResourceBuilder<T> builder, string folder) where T : PostgresProcessResource
    {
        var (_, prefix) = LocalTools.AsUser(LocalTools.PostgresUser, LocalTools.FindPostgres("postgres"));
        return builder.WithArgs(context =>
        {
            foreach (var arg in prefix)
            {
                context.Args.Add(arg);
            }

            context.Args.Add("-D");
            context.Args.Add(folder);
            foreach (var setting in new[]
            {
                "listen_addresses=127.0.0.1",
                // TCP only: no socket in /var/run/postgresql, which another cluster on this machine may own.
                "unix_socket_directories=",
                "wal_level=replica",
                "hot_standby=on",
                "max_wal_senders=10",
                "max_replication_slots=10",
                "hot_standby_feedback=on",
                // The data lives in memory, where a random read costs about what a sequential one does (see the
                // measurement in docs/benchmarks.md: 3x the database time per page at the default of 4).
                "random_page_cost=1.1",
            })
            {
                context.Args.Add("-c");
                context.Args.Add(setting);
            }

            context.Args.Add("-c");
            context.Args.Add(ReferenceExpression.Create($"port={builder.Resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort)}"));
        });
    }

    internal static IResourceBuilder<T> WithLocalEndpoint<T>(this IResourceBuilder<T> builder, string name = "tcp") where T : ExecutableResource
    {
        var port = LocalPorts.Next();
        return builder.WithEndpoint(name: name, port: port, targetPort: port, scheme: "tcp", isProxied: false);
    }

    private static IResourceBuilder<T> WithReadinessCheck<T>(this IResourceBuilder<T> builder, IDistributedApplicationBuilder app, bool expectStandby)
        where T : PostgresProcessResource
    {
        var key = $"{builder.Resource.Name}_check";
        var server = builder.Resource;
        app.Services.AddHealthChecks().AddAsyncCheck(key, async ct =>
        {
            var connectionString = await server.ConnectionStringExpression.GetValueAsync(ct);
            var sql = expectStandby ? "SELECT 1 WHERE pg_is_in_recovery()" : "SELECT 1 WHERE NOT pg_is_in_recovery()";
            return await CanQueryAsync(connectionString!, sql, ct) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy();
        });
        return builder.WithHealthCheck(key);
    }

    // A fresh session (no pool) that runs the query and gets a row back: the readiness of a server, a database or a pooler.
    internal static async Task<bool> CanQueryAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 3 }.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(sql, connection);
            return await command.ExecuteScalarAsync(cancellationToken) is not null;
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return false;
        }
    }

    private static async Task InitializeClusterAsync(DataFolder data, PostgresProcessResource server, string folder, ILogger logger, CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(folder, "PG_VERSION")))
        {
            return;
        }

        // A half-made folder (initdb interrupted) is thrown away and made again.
        var user = LocalTools.PostgresUser;
        LocalTools.PrepareOwnedFolder(folder, user);
        // initdb reads the superuser password from a file the postgres user can read; it is deleted right after.
        var passwordFile = Path.Combine(data.Path, $".{server.Name}-initdb-password");
        await File.WriteAllTextAsync(passwordFile, await server.PasswordParameter.GetValueAsync(cancellationToken), cancellationToken);
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (user is not null)
        {
            LocalTools.GiveTo(passwordFile, user);
        }

        try
        {
            await LocalTools.RunToCompletionAsync(user, LocalTools.FindPostgres("initdb"),
                ["-D", folder, "-U", PostgresProcessResource.SuperUser, $"--pwfile={passwordFile}", "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync"],
                folder, null, logger, cancellationToken);
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    private static async Task CloneFromPrimaryAsync(PostgresReplicaProcessResource replica, string folder, int primaryPort, string replicationPassword, ILogger logger, CancellationToken cancellationToken)
    {
        var user = LocalTools.PostgresUser;
        if (!File.Exists(Path.Combine(folder, "PG_VERSION")))
        {
            LocalTools.PrepareOwnedFolder(folder, user);
            // -R writes standby.signal; a fast checkpoint so that the copy starts now rather than at the next checkpoint.
            await LocalTools.RunToCompletionAsync(user, LocalTools.FindPostgres("pg_basebackup"),
                ["-h", "127.0.0.1", "-p", primaryPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", ReplicationRole, "-D", folder,
                    "-R", "-X", "stream", "-S", replica.SlotName, "--checkpoint=fast", "--no-sync"],
                folder, new Dictionary<string, string> { ["PGPASSWORD"] = replicationPassword }, logger, cancellationToken);
        }

        // The primary's port is chosen at each start: point the standby at today's.
        var autoConf = Path.Combine(folder, "postgresql.auto.conf");
        var kept = File.Exists(autoConf)
            ? (await File.ReadAllLinesAsync(autoConf, cancellationToken)).Where(l => !l.StartsWith("primary_conninfo", StringComparison.Ordinal) && !l.StartsWith("primary_slot_name", StringComparison.Ordinal))
            : [];
        await File.WriteAllLinesAsync(autoConf,
        [
            .. kept,
            $"primary_conninfo = 'host=127.0.0.1 port={primaryPort} user={ReplicationRole} password={replicationPassword} application_name={replica.SlotName}'",
            $"primary_slot_name = '{replica.SlotName}'",
        ], cancellationToken);
        if (user is not null)
        {
            LocalTools.GiveTo(autoConf, user);
        }
    }

    private static async Task EnsureRolesDatabasesAndSlotsAsync(string connectionString, PostgresProcessResource server, string replicationPassword,
        IEnumerable<PostgresReplicaProcessResource> replicas, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, $"""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ReplicationRole}') THEN CREATE ROLE "{ReplicationRole}" LOGIN REPLICATION; END IF;
            END $$;
            ALTER ROLE "{ReplicationRole}" WITH LOGIN REPLICATION PASSWORD '{replicationPassword}';
            """, cancellationToken);
        foreach (var replica in replicas)
        {
            await ExecuteAsync(connection, $"""
                SELECT pg_create_physical_replication_slot('{replica.SlotName}')
                WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = '{replica.SlotName}')
                """, cancellationToken);
        }

        foreach (var database in server.Databases.Values.Distinct())
        {
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
            exists.Parameters.AddWithValue("name", database);
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                await ExecuteAsync(connection, $"""CREATE DATABASE "{database}" """, cancellationToken);
            }
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
