using AspireScale.AppHost.Hosting;
using AspireScale.AppHost.Resources;

var builder = DistributedApplication.CreateBuilder(args);

var postgres = builder.AddPostgres("postgres");
var replica = postgres.AddReadReplica("postgres-replica");
var conduit = postgres.AddDatabase("conduit");
var conduitRead = replica.AddDatabase("conduit-read", "conduit");
var cache = builder.AddRedis("cache");
var messaging = builder.AddRabbitMQ("messaging");
// --pgbouncer: the services reach the primary through PgBouncer (transaction pooling) under the same connection name;
// migrations keep a direct session, since they hold an advisory lock for the whole run.
IResourceBuilder<IResourceWithConnectionString> conduitForServices = builder.Options.PgBouncer ? conduit.AddPgBouncer("pgbouncer") : conduit;

var migrations = builder.AddProject<Projects.MigrationService>("migrations")
    .WithReference(conduit)
    .WaitFor(postgres);

var api = builder.AddProject<Projects.Api>("api")
    .WithReplicas(builder.Options.Replicas)
    .WithJwtSigningKey()
    .WithReference(conduitForServices, "conduit")
    .WithReference(conduitRead)
    .WithReference(cache)
    .WithReference(messaging)
    .WaitFor(postgres)
    .WaitFor(replica)
    .WaitFor(cache)
    .WaitFor(messaging)
    .WaitForCompletion(migrations);

builder.AddProject<Projects.Worker>("worker")
    .WithReplicas(builder.Options.Workers)
    .WithReference(conduitForServices, "conduit")
    .WithReference(cache)
    .WithReference(messaging)
    .WaitFor(postgres)
    .WaitFor(cache)
    .WaitFor(messaging)
    .WaitForCompletion(migrations);

// The load balancer: a project of its own that reaches every api replica by service discovery (api-0, api-1, ...).
builder.AddGateway("gateway", api)
    .WithReference(cache)
    .WaitFor(api);

builder.Build().Run();
