using AspireScale.AppHost;
using AspireScale.AppHost.LocalProcesses;
using AspireScale.AppHost.Supervision;
using Microsoft.Extensions.Hosting;

var arguments = AppHostSettings.RewriteFlags(args);
// --dashboard off: headless runs (the test suite, benchmarks) save the dashboard's start-up and memory.
var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = arguments, DisableDashboard = !AppHostSettings.DashboardWanted(arguments) });
var publishing = builder.ExecutionContext.IsPublishMode;
var settings = AppHostSettings.Read(builder.Configuration, builder.AppHostDirectory, publishing);
// Stop returns only when DCP has stopped every resource (Aspire.Hosting.Testing's default; off for a plain AppHost):
// Ctrl+C, SIGTERM and `dotnet run` then leave nothing running once the AppHost has exited.
builder.Configuration["DcpPublisher:WaitForResourceCleanup"] = "true";
using var dataLock = publishing ? null : AppHostLock.Acquire(settings.DataDirectory);
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

// Run: one resource per API replica, each on a port of its own: DCP's replica proxy balances per connection, and the
// gateway balances per request, so it must reach every replica itself. Publish: one "api" with its replica count, since
// the platform (Azure Container Apps) balances per request itself.
var api = new List<IResourceBuilder<ProjectResource>>();
foreach (var name in publishing ? ["api"] : Enumerable.Range(0, settings.Replicas).Select(i => "api-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
{
    api.Add(builder.AddProject<Projects.Api>(name)
        .WithBuildOutputLaunch()
        .AsApiReplicas(publishing, settings.Replicas)
        .WithServiceEnvironment(settings)
        .WithRestartOnCrash()
        .WithHealthProbes()
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
    .DisableForwardedHeaders() // No ingress: nothing in front of it forwards a client's address.
    .WithReplicas(settings.Workers)
    .WithServiceEnvironment(settings)
    .WithRestartOnCrash()
    .WithHttpEndpoint(name: "http")
    .WithHealthProbes()
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
    .WithHealthProbes()
    .WithReference(cache)
    .WithReplicaDestinations(api)
    .WithEnvironment("ReverseProxy__Clusters__api__LoadBalancingPolicy", settings.Balancing)
    .WithEnvironment("Gateway__ResponseCache", settings.GatewayCache ? "true" : "false");

var app = builder.Build();
var orchestrator = OrchestratorExit.NoteWhenStopping(app.Services.GetRequiredService<IHostApplicationLifetime>());
app.Run();
if (!publishing)
{
    orchestrator.Wait(TimeSpan.FromSeconds(10));
}
