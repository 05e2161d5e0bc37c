using AspireScale.Worker.Messaging;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddRabbitMQClient("messaging");
builder.AddJobQueueConsumer();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
