// Serves the bytes of --body-file (captured from the real endpoint) for every request, with no middleware at all:
// what Kestrel alone can do on this machine with the same payload.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();

var bodyFile = app.Configuration["body-file"] ?? throw new InvalidOperationException("--body-file is required");
var body = await File.ReadAllBytesAsync(bodyFile);
var contentType = app.Configuration["content-type"] ?? "application/json; charset=utf-8";

app.Run(context =>
{
    context.Response.ContentType = contentType;
    context.Response.ContentLength = body.Length;
    return context.Response.Body.WriteAsync(body).AsTask();
});

await app.RunAsync();
