var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapGet("/", () => TypedResults.Ok(new { service = "api" }));

app.Run();

public partial class Program;
