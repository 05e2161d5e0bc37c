using AspireScale.AppHost.Hosting;
using AspireScale.AppHost.Processes;
using AspireScale.AppHost.Resources;
using AspireScale.AppHost.Supervision;

namespace AspireScale.AppHost.Backing;

// pgbouncer in the foreground with a generated config and auth file. Like PostgreSQL it refuses to run as root, so it
// runs as the postgres system user, who must be able to read both files.
public static class PgBouncerHost
{
    public static void AssignPorts(HostingContext context, PgBouncerResource pooler) => pooler.Port = context.Ports.Next();

    public static ReplicaDefinition Server(HostingContext context, PgBouncerResource pooler)
    {
        var folder = Path.Combine(context.DataDirectory, pooler.Name);
        var configFile = Path.Combine(folder, "pgbouncer.ini");
        var authFile = Path.Combine(folder, "userlist.txt");
        var pgbouncer = Binaries.Find("pgbouncer", "pgbouncer");
        var database = pooler.Database;
        var primary = database.Primary;
        return new ReplicaDefinition
        {
            Resource = pooler.Name,
            Kind = pooler.Kind,
            Id = pooler.Name,
            BeforeStart = async ct =>
            {
                Directory.CreateDirectory(folder);
                // The primary's port changes at each start of the AppHost: written anew every time.
                await File.WriteAllTextAsync(configFile, $"""
                    [databases]
                    {database.DatabaseName} = host=127.0.0.1 port={primary.Port} dbname={database.DatabaseName}

                    [pgbouncer]
                    listen_addr = 127.0.0.1
                    listen_port = {pooler.Port}
                    unix_socket_dir =
                    auth_type = scram-sha-256
                    auth_file = {authFile}
                    pool_mode = transaction
                    default_pool_size = {pooler.PoolSize}
                    max_client_conn = 2000
                    ignore_startup_parameters = extra_float_digits
                    log_connections = 0
                    log_disconnections = 0
                    admin_users = postgres
                    stats_users = postgres
                    """, ct);
                await File.WriteAllTextAsync(authFile, $"""
                    "{database.RoleName}" "{primary.Credentials.ApplicationPassword}"
                    "postgres" "{primary.Credentials.SuperuserPassword}"

                    """, ct);
                foreach (var file in new[] { configFile, authFile })
                {
                    File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                    FileOwnership.GiveTo(file, context.PostgresUser);
                }

                FileOwnership.GiveTo(folder, context.PostgresUser);
                FileOwnership.EnsureTraversable(folder, context.PostgresUser);
            },
            CreateSpec = () => new ProcessSpec
            {
                Id = pooler.Name,
                FileName = pgbouncer,
                Arguments = [configFile],
                WorkingDirectory = folder,
                RunAsUser = context.PostgresUser,
                Endpoint = $"tcp://127.0.0.1:{pooler.Port}",
                // A query through the pooler proves both hops: PgBouncer up and the primary reachable from it.
                Health = new PostgresHealthProbe(pooler.GetConnectionString(), expectStandby: false),
                // Its log lines are kept in <data>/logs; warnings and errors are news for the console.
                IsConsoleWorthy = static line => line.Contains(" WARNING ", StringComparison.Ordinal) || line.Contains(" ERROR ", StringComparison.Ordinal) || line.Contains(" FATAL ", StringComparison.Ordinal),
            },
        };
    }
}
