using AspireScale.AppHost.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

var postgres = builder.AddPostgres("postgres");
var replica = postgres.AddReadReplica("postgres-replica");
var conduit = postgres.AddDatabase("conduit");
var conduitRead = replica.AddDatabase("conduit-read", "conduit");
var cache = builder.AddRedis("cache");
var messaging = builder.AddRabbitMQ("messaging");

var migrations = builder.AddProject<Projects.MigrationService>("migrations")
    .WithReference(conduit)
    .WaitFor(postgres);

var api = builder.AddProject<Projects.Api>("api")
    .WithReplicas(builder.Options.Replicas)
    .WithReference(conduit)
    .WithReference(conduitRead)
    .WithReference(cache)
    .WithReference(messaging)
    .WaitFor(postgres)
    .WaitFor(replica)
    .WaitFor(cache)
    .WaitFor(messaging)
    .WaitForCompletion(migrations);

builder.AddProject<Projects.Worker>("worker")
    .WithReference(conduit)
    .WithReference(cache)
    .WithReference(messaging)
    .WaitFor(postgres)
    .WaitFor(cache)
    .WaitFor(messaging)
    .WaitForCompletion(migrations);

builder.AddGateway("gateway", api);

builder.Build().Run();
