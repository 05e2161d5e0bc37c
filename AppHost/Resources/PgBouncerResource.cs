namespace AspireScale.AppHost.Resources;

// PgBouncer in transaction mode in front of one database on the primary: many client connections (every replica's
// Npgsql pool) share a few server connections. Its connection string names the same database through the pooler.
public sealed class PgBouncerResource(string name, PostgresDatabaseResource database) : Resource(name), IResourceWithConnectionString
{
    public override string Kind => "pgbouncer";

    public Resource Server => this;

    public PostgresDatabaseResource Database { get; } = database;

    public int Port { get; set; }

    // Server connections per database/user pair; clients beyond it queue in PgBouncer instead of in PostgreSQL.
    public int PoolSize { get; set; } = 20;

    public string GetConnectionString() =>
        // Npgsql's session reset (DISCARD ALL) means nothing in transaction mode: PgBouncer hands out a server per
        // transaction, so skip the round trip. No automatic preparation: PgBouncer 1.18 does not carry server-side
        // prepared statements from one transaction's server connection to the next.
        PostgresConnectionStrings.Build(Port, Database.DatabaseName, Database.RoleName, Database.Primary.Credentials.ApplicationPassword)
        + ";No Reset On Close=true;Max Auto Prepare=0";
}

// The same connection under another name: a project that reads ConnectionStrings__conduit may be handed the pooler.
public sealed class ConnectionAlias(string name, IResourceWithConnectionString target) : IResourceWithConnectionString
{
    public string Name { get; } = name;

    // The resource behind the name: what a manifest's expression refers to.
    public IResourceWithConnectionString Target { get; } = target;

    public Resource Server => Target.Server;

    public string GetConnectionString() => Target.GetConnectionString();
}
