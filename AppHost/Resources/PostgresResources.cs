namespace AspireScale.AppHost.Resources;

public sealed class PostgresServerResource(string name) : Resource(name)
{
    public override string Kind => "postgres";

    public int Port { get; set; }

    public PostgresCredentials Credentials { get; set; } = PostgresCredentials.Unset;

    public string AdminConnectionString => PostgresConnectionStrings.Build(Port, "postgres", "postgres", Credentials.SuperuserPassword);
}

// A hot standby made with pg_basebackup from the primary and kept up to date by streaming replication.
public sealed class PostgresReplicaResource(string name, PostgresServerResource primary) : Resource(name)
{
    public override string Kind => "postgres-replica";

    public PostgresServerResource Primary { get; } = primary;

    public int Port { get; set; }

    // Replication slots take [a-z0-9_] only.
    public string SlotName => Name.Replace('-', '_');

    public string AdminConnectionString => PostgresConnectionStrings.Build(Port, "postgres", "postgres", Primary.Credentials.SuperuserPassword);
}

// A database on a server (or the same database seen through a replica). The application role owns it.
public sealed class PostgresDatabaseResource(string name, Resource server, string databaseName) : Resource(name), IResourceWithConnectionString
{
    public override string Kind => "postgres-database";

    public Resource Server { get; } = server;

    public string DatabaseName { get; } = databaseName;

    public PostgresServerResource Primary => Server switch
    {
        PostgresServerResource primary => primary,
        PostgresReplicaResource replica => replica.Primary,
        _ => throw new InvalidOperationException($"{Name} is not on a PostgreSQL server."),
    };

    // The application role is named after the database.
    public string RoleName => DatabaseName;

    public string GetConnectionString()
    {
        var port = Server is PostgresReplicaResource replica ? replica.Port : Primary.Port;
        return PostgresConnectionStrings.Build(port, DatabaseName, RoleName, Primary.Credentials.ApplicationPassword);
    }
}

public sealed record PostgresCredentials(string SuperuserPassword, string ApplicationPassword, string ReplicationPassword)
{
    public static PostgresCredentials Unset { get; } = new("", "", "");
}

public static class PostgresConnectionStrings
{
    public static string Build(int port, string database, string user, string password) =>
        $"Host=127.0.0.1;Port={port};Database={database};Username={user};Password={password}";
}
