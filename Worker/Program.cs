using AspireScale.Api.Data;
using AspireScale.Worker.Messaging;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNpgsqlDbContext<ConduitDbContext>("conduit");
builder.AddRabbitMQClient("messaging");
builder.AddJobProcessing();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
