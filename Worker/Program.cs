using AspireScale.Api.Data;
using AspireScale.Worker.Messaging;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
// One connection per concurrent handler plus two for the bookkeeping around them (measured in bench/techniques: a pool
// near the real concurrency beats Npgsql's default 100 on a small server). A connection string that sets its own size wins.
builder.AddPooledNpgsqlDbContext<ConduitDbContext>("conduit", settings => settings.MaxPoolSize = builder.Configuration.GetValue("Jobs:Concurrency", 4) + 2);
builder.AddMessagingConnection("messaging");
builder.AddJobProcessing();
builder.AddMessageRetention();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
