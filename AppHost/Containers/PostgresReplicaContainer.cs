using System.Globalization;
using AspireScale.AppHost.LocalProcesses;

namespace AspireScale.AppHost.Containers;

// A read replica for Aspire's PostgreSQL container: a second container of the same image that clones the primary with
// pg_basebackup -R through a physical replication slot on first start, then runs as a hot standby. The primary gets the
// replication role, the slot and a pg_hba line from an init script generated into the data folder (never the repository).
public static class PostgresReplicaContainer
{
    private const string ReplicationRole = "replicator";
    private const string DataPath = "/var/lib/postgresql/replica";

    public static IResourceBuilder<ContainerResource> AddReadReplica(this IResourceBuilder<PostgresServerResource> primary, string name, DataFolder data)
    {
        var builder = primary.ApplicationBuilder;
        var slot = name.Replace('-', '_');
        // A parameter, not the value: the manifest then names it instead of carrying the secret.
        var replicationPassword = builder.AddParameter("postgres-replication-password", () => data.Password("postgres-replication"), secret: true);
        primary.WithInitFiles(WriteInitScript(data, slot)).WithEnvironment("REPLICATION_PASSWORD", replicationPassword);

        var image = primary.Resource.Annotations.OfType<ContainerImageAnnotation>().Single();
        var primaryPort = primary.Resource.PrimaryEndpoint.TargetPort ?? 5432;
        var script = string.Create(CultureInfo.InvariantCulture, $"""
            set -e
            mkdir -p {DataPath} && chown postgres:postgres {DataPath} && chmod 0700 {DataPath}
            if [ ! -s {DataPath}/PG_VERSION ]; then
              until gosu postgres pg_basebackup -h {primary.Resource.Name} -p {primaryPort} -U {ReplicationRole} -D {DataPath} -R -X stream -S {slot} --checkpoint=fast; do
                rm -rf {DataPath}/*; sleep 2
              done
            fi
            exec gosu postgres postgres -D {DataPath} -c hot_standby=on -c hot_standby_feedback=on -c random_page_cost=1.1
            """);
        return builder.AddContainer(name, image.Image, image.Tag ?? "latest")
            .WithImageRegistry(image.Registry)
            .WithEntrypoint("bash")
            .WithArgs("-c", script)
            .WithEnvironment("PGPASSWORD", replicationPassword)
            .WithEndpoint(targetPort: 5432, name: "tcp", scheme: "tcp")
            .WithVolume(VolumeNameGenerator.Generate(primary, "replica-data"), "/var/lib/postgresql")
            .WithParentRelationship(primary)
            .WaitFor(primary);
    }

    // The read side of a database on the replica: the primary's credentials (replication copies the roles too).
    public static IResourceBuilder<ReplicaDatabaseResource> AddDatabase(this IResourceBuilder<ContainerResource> replica, string name, IResourceBuilder<PostgresServerResource> primary, string databaseName)
    {
        var endpoint = replica.GetEndpoint("tcp");
        var connectionString = ReferenceExpression.Create(
            $"Host={endpoint.Property(EndpointProperty.Host)};Port={endpoint.Property(EndpointProperty.Port)};Username=postgres;Password={primary.Resource.PasswordParameter};Database={databaseName}");
        return replica.ApplicationBuilder.AddResource(new ReplicaDatabaseResource(name, connectionString, replica.Resource))
            .WithParentRelationship(replica);
    }

    private static string WriteInitScript(DataFolder data, string slot)
    {
        var folder = data.For("postgres-init");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "10-replication.sh"), $"""
            #!/bin/bash
            set -e
            psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
            CREATE ROLE {ReplicationRole} LOGIN REPLICATION PASSWORD '$REPLICATION_PASSWORD';
            SELECT pg_create_physical_replication_slot('{slot}');
            SQL
            echo "host replication {ReplicationRole} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
            """);
        return folder;
    }
}

public sealed class ReplicaDatabaseResource(string name, ReferenceExpression connectionString, IResource parent)
    : Resource(name), IResourceWithConnectionString, IResourceWithParent
{
    public ReferenceExpression ConnectionStringExpression { get; } = connectionString;

    public IResource Parent { get; } = parent;
}
