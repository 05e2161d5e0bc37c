using AspireScale.AppHost.Hosting;
using AspireScale.AppHost.Processes;
using AspireScale.AppHost.Resources;
using AspireScale.AppHost.Supervision;
using Npgsql;

namespace AspireScale.AppHost.Backing;

// PostgreSQL 15 in the foreground (no pg_ctl daemon): a primary made by initdb on first run, and a hot standby made by
// pg_basebackup -R from it, fed by streaming replication through a physical replication slot.
public static class PostgresHost
{
    private const string ReplicationRole = "replicator";

    public static void AssignPorts(HostingContext context, PostgresServerResource primary)
    {
        primary.Port = context.Ports.Next();
        primary.Credentials = new PostgresCredentials(
            context.Secrets.Password("postgres-superuser"),
            context.Secrets.Password("postgres-app"),
            context.Secrets.Password("postgres-replication"));
    }

    public static void AssignPorts(HostingContext context, PostgresReplicaResource replica) => replica.Port = context.Ports.Next();

    public static ReplicaDefinition Primary(HostingContext context, PostgresServerResource server, IReadOnlyList<PostgresDatabaseResource> databases, IReadOnlyList<string> replicationSlots)
    {
        var dataFolder = Path.Combine(context.DataDirectory, server.Name);
        var postgres = Binaries.Find("postgres", "postgresql-15");
        var initdb = Binaries.Find("initdb", "postgresql-15");
        return new ReplicaDefinition
        {
            Resource = server.Name,
            Kind = server.Kind,
            Id = server.Name,
            BeforeStart = ct => InitializeClusterAsync(context, server, initdb, dataFolder, ct),
            CreateSpec = () => Spec(context, server.Name, postgres, dataFolder, server.Port, new PostgresHealthProbe(server.AdminConnectionString, expectStandby: false)),
            AfterHealthy = ct => EnsureRolesAndDatabasesAsync(server, databases, replicationSlots, ct),
        };
    }

    public static ReplicaDefinition Replica(HostingContext context, PostgresReplicaResource replica)
    {
        var dataFolder = Path.Combine(context.DataDirectory, replica.Name);
        var postgres = Binaries.Find("postgres", "postgresql-15");
        var basebackup = Binaries.Find("pg_basebackup", "postgresql-15");
        return new ReplicaDefinition
        {
            Resource = replica.Name,
            Kind = replica.Kind,
            Id = replica.Name,
            BeforeStart = ct => CloneFromPrimaryAsync(context, replica, basebackup, dataFolder, ct),
            CreateSpec = () => Spec(context, replica.Name, postgres, dataFolder, replica.Port, new PostgresHealthProbe(replica.AdminConnectionString, expectStandby: true)),
        };
    }

    private static ProcessSpec Spec(HostingContext context, string id, string postgres, string dataFolder, int port, IHealthProbe probe) => new()
    {
        Id = id,
        FileName = postgres,
        Arguments =
        [
            "-D", dataFolder,
            "-c", "listen_addresses=127.0.0.1",
            "-c", $"port={port}",
            // TCP only: no socket in /var/run/postgresql, which another cluster on this machine may own.
            "-c", "unix_socket_directories=",
            "-c", "wal_level=replica",
            "-c", "hot_standby=on",
            "-c", "max_wal_senders=10",
            "-c", "max_replication_slots=10",
            "-c", "hot_standby_feedback=on",
            // The data lives in memory, where a random read costs about what a sequential one does. At the default of 4
            // the planner hashes the whole users table to join a 20-article page instead of looking up its 20 authors by
            // key: 3x the database time per page (pgbench, seeded dataset).
            "-c", "random_page_cost=1.1",
        ],
        WorkingDirectory = dataFolder,
        RunAsUser = context.PostgresUser,
        Endpoint = $"tcp://127.0.0.1:{port}",
        Health = probe,
        StopSignal = PosixSignalNumber.Interrupt,
        IsConsoleWorthy = IsServerFailure,
    };

    // PostgreSQL logs everything to stderr. A client's failed query (ERROR) is the client's to report, and our own probes
    // meet "starting up" while the server boots; what is left at FATAL or PANIC is news for the console.
    private static bool IsServerFailure(string line) =>
        (line.Contains("FATAL:", StringComparison.Ordinal) || line.Contains("PANIC:", StringComparison.Ordinal))
        && !line.Contains("the database system is starting up", StringComparison.Ordinal)
        && !line.Contains("the database system is not yet accepting connections", StringComparison.Ordinal)
        && !line.Contains("the database system is shutting down", StringComparison.Ordinal)
        && !line.Contains("due to administrator command", StringComparison.Ordinal);

    private static async Task InitializeClusterAsync(HostingContext context, PostgresServerResource server, string initdb, string dataFolder, CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(dataFolder, "PG_VERSION")))
        {
            return;
        }

        PrepareEmptyFolder(context, dataFolder);
        // initdb reads the superuser password from a file the postgres user can read; it is deleted right after.
        var passwordFile = Path.Combine(context.DataDirectory, $".{server.Name}-initdb-password");
        await File.WriteAllTextAsync(passwordFile, server.Credentials.SuperuserPassword, cancellationToken);
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        FileOwnership.GiveTo(passwordFile, context.PostgresUser);
        try
        {
            await context.Launcher.RunToCompletionAsync(new ProcessSpec
            {
                Id = server.Name + "-initdb",
                FileName = initdb,
                Arguments = ["-D", dataFolder, "-U", "postgres", $"--pwfile={passwordFile}", "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync"],
                WorkingDirectory = dataFolder,
                RunAsUser = context.PostgresUser,
            }, context.LogFor(server.Name), cancellationToken);
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    private static async Task CloneFromPrimaryAsync(HostingContext context, PostgresReplicaResource replica, string basebackup, string dataFolder, CancellationToken cancellationToken)
    {
        var primary = replica.Primary;
        if (!File.Exists(Path.Combine(dataFolder, "PG_VERSION")))
        {
            PrepareEmptyFolder(context, dataFolder);
            await context.Launcher.RunToCompletionAsync(new ProcessSpec
            {
                Id = replica.Name + "-basebackup",
                FileName = basebackup,
                // -R writes standby.signal; fast checkpoint so the copy starts now rather than at the next checkpoint.
                Arguments = ["-h", "127.0.0.1", "-p", primary.Port.ToString(), "-U", ReplicationRole, "-D", dataFolder, "-R", "-X", "stream", "-S", replica.SlotName, "--checkpoint=fast", "--no-sync"],
                Environment = new Dictionary<string, string> { ["PGPASSWORD"] = primary.Credentials.ReplicationPassword },
                WorkingDirectory = dataFolder,
                RunAsUser = context.PostgresUser,
            }, context.LogFor(replica.Name), cancellationToken);
        }

        // The primary's port is chosen at each start; point the standby at today's.
        var autoConf = Path.Combine(dataFolder, "postgresql.auto.conf");
        var kept = File.Exists(autoConf)
            ? (await File.ReadAllLinesAsync(autoConf, cancellationToken)).Where(l => !l.StartsWith("primary_conninfo", StringComparison.Ordinal) && !l.StartsWith("primary_slot_name", StringComparison.Ordinal))
            : [];
        await File.WriteAllLinesAsync(autoConf,
        [
            .. kept,
            $"primary_conninfo = 'host=127.0.0.1 port={primary.Port} user={ReplicationRole} password={primary.Credentials.ReplicationPassword} application_name={replica.SlotName}'",
            $"primary_slot_name = '{replica.SlotName}'",
        ], cancellationToken);
        FileOwnership.GiveTo(autoConf, context.PostgresUser);
    }

    // Idempotent, run after every start of the primary: roles (passwords follow <data>/secrets), databases, the slot.
    private static async Task EnsureRolesAndDatabasesAsync(PostgresServerResource server, IReadOnlyList<PostgresDatabaseResource> databases, IReadOnlyList<string> replicationSlots, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);

        var credentials = server.Credentials;
        var roles = databases.Select(d => (d.RoleName, credentials.ApplicationPassword, Replication: false))
            .Append((ReplicationRole, credentials.ReplicationPassword, Replication: true))
            .DistinctBy(r => r.Item1);
        foreach (var (role, password, replication) in roles)
        {
            var attributes = replication ? "LOGIN REPLICATION" : "LOGIN";
            await ExecuteAsync(connection, $"""
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE "{role}" {attributes}; END IF;
                END $$;
                ALTER ROLE "{role}" WITH {attributes} PASSWORD '{password}';
                """, cancellationToken);
        }

        foreach (var database in databases.DistinctBy(d => d.DatabaseName))
        {
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
            exists.Parameters.AddWithValue("name", database.DatabaseName);
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                await ExecuteAsync(connection, $"""CREATE DATABASE "{database.DatabaseName}" OWNER "{database.RoleName}" """, cancellationToken);
            }
        }

        foreach (var slotName in replicationSlots)
        {
            await ExecuteAsync(connection, $"""
                SELECT pg_create_physical_replication_slot('{slotName}')
                WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = '{slotName}')
                """, cancellationToken);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // A half-made folder (initdb or pg_basebackup interrupted) is thrown away and made again.
    private static void PrepareEmptyFolder(HostingContext context, string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        FileOwnership.GiveTo(folder, context.PostgresUser);
        FileOwnership.EnsureTraversable(folder, context.PostgresUser);
    }
}
