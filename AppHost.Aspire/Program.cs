using AspireScale.AppHost;
using AspireScale.AppHost.LocalProcesses;
using AspireScale.AppHost.Supervision;

var arguments = AppHostSettings.RewriteFlags(args);
// --dashboard off: headless runs (the test suite, benchmarks) save the dashboard's start-up and memory.
var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = arguments, DisableDashboard = !AppHostSettings.DashboardWanted(arguments) });
var settings = AppHostSettings.Read(builder.Configuration, builder.AppHostDirectory);
var data = new DataFolder(settings.DataDirectory, settings.Fresh);
builder.AddStateFile(settings);
builder.AddCrashRestarts();

// PostgreSQL (primary + streaming read replica), Redis and RabbitMQ: containers or local processes (BackingServices.cs).
var (conduit, conduitRead, cache, messaging) = builder.AddBackingServices(settings, data);
// --pgbouncer: the services reach the primary through PgBouncer (transaction pooling) under the same connection name;
// migrations keep a direct session, since they hold an advisory lock for the whole run.
var conduitForServices = settings.PgBouncer ? conduit.AddPgBouncer("pgbouncer", data) : conduit;
var signingKey = builder.AddParameter("jwt-signing-key", () => data.SigningKey("jwt-signing-key"), secret: true);

var migrations = builder.AddProject<Projects.MigrationService>("migrations")
    .WithBuildOutputLaunch()
    .WithServiceEnvironment(settings)
    .WithReference(conduit)
    .WaitFor(conduit);

// One resource per API replica, each on a port of its own: DCP's replica proxy balances per connection, and the gateway
// balances per request, so it must reach every replica itself.
var api = new List<IResourceBuilder<ProjectResource>>();
for (var i = 0; i < settings.Replicas; i++)
{
    api.Add(builder.AddProject<Projects.Api>($"api-{i}")
        .WithBuildOutputLaunch()
        .WithUnproxiedHttpEndpoint()
        .WithServiceEnvironment(settings)
        .WithRestartOnCrash()
        .WithHttpHealthCheck("/health")
        .WithEnvironment("Jwt__SigningKey", signingKey)
        .WithReference(conduitForServices, "conduit")
        .WithReference(conduitRead)
        .WithReference(cache)
        .WithReference(messaging)
        .WaitFor(conduitForServices)
        .WaitFor(conduitRead)
        .WaitFor(cache)
        .WaitFor(messaging)
        .WaitForCompletion(migrations));
}

builder.AddProject<Projects.Worker>("worker")
    .WithBuildOutputLaunch()
    .WithReplicas(settings.Workers)
    .WithServiceEnvironment(settings)
    .WithRestartOnCrash()
    .WithHttpEndpoint(name: "http")
    .WithHttpHealthCheck("/health")
    .WithReference(conduitForServices, "conduit")
    .WithReference(cache)
    .WithReference(messaging)
    .WaitFor(conduitForServices)
    .WaitFor(cache)
    .WaitFor(messaging)
    .WaitForCompletion(migrations);

// The load balancer: per request over every API replica, which it finds by service discovery (services__api-N__http__0).
builder.AddProject<Projects.Gateway>("gateway")
    .WithBuildOutputLaunch()
    .WithFrontDoorEndpoint(settings.GatewayPort)
    .WithServiceEnvironment(settings)
    .WithRestartOnCrash()
    .WithHttpHealthCheck("/health")
    .WithReference(cache)
    .WithReplicaDestinations(api)
    .WithEnvironment("ReverseProxy__Clusters__api__LoadBalancingPolicy", settings.Balancing)
    .WithEnvironment("Gateway__ResponseCache", settings.GatewayCache ? "true" : "false");

builder.Build().Run();
