using AspireScale.Api.Data;
using AspireScale.MigrationService;

var builder = Host.CreateApplicationBuilder(args);

builder.AddServiceDefaults();
builder.AddPooledNpgsqlDbContext<ConduitDbContext>("conduit");
builder.Services.AddHostedService<MigrationWorker>();

var host = builder.Build();
host.Run();
