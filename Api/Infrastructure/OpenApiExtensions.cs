using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace AspireScale.Api.Infrastructure;

// Two documents: v1 is the RealWorld spec's routes exactly (/api/...), v2 our extensions (/api/v2/...: keyset pages,
// sparse fieldsets, jobs, notifications). Split by path, so a new endpoint lands in the right one without a tag.
public static class OpenApiExtensions
{
    private const string V2Prefix = "api/v2/";

    public static IHostApplicationBuilder AddConduitOpenApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi("v1", options => Configure(options, "2.0.0", "RealWorld Conduit (the spec's /api routes), served by AspireScale.", v2: false));
        builder.Services.AddOpenApi("v2", options => Configure(options, "2.1.0",
            "AspireScale's extensions under /api/v2: keyset cursor pages (?limit=&cursor=, nextCursor), sparse fieldsets (?fields=), jobs and notifications.",
            v2: true));
        return builder;
    }

    // The documents are served everywhere (/openapi/v1.json, /openapi/v2.json; clients generate from them); the Scalar UI,
    // listing both, only in Development.
    public static WebApplication MapConduitOpenApi(this WebApplication app)
    {
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference(options => options.AddDocument("v1", "Conduit API v1", isDefault: true).AddDocument("v2", "Conduit API v2"));
        }

        return app;
    }

    // An example body for one of the endpoint's error responses (declared with ProducesErrors), so clients see which key
    // and message a status carries.
    public static TBuilder WithErrorExample<TBuilder>(this TBuilder builder, int statusCode, string key, string message)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.Responses?.TryGetValue(statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture), out var response) == true
                && response.Content?.TryGetValue("application/json", out var media) == true)
            {
                media.Example = new JsonObject { ["errors"] = new JsonObject { [key] = new JsonArray(message) } };
            }

            return Task.CompletedTask;
        });

    private static void Configure(OpenApiOptions options, string version, string description, bool v2)
    {
        options.ShouldInclude = endpoint =>
            (endpoint.RelativePath ?? "").StartsWith(V2Prefix, StringComparison.OrdinalIgnoreCase) == v2;
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo { Title = "Conduit API", Version = version, Description = description };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["Token"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = "Authorization",
                Description = "Authorization: Token <jwt from /api/users or /api/users/login>",
            };
            return Task.CompletedTask;
        });
    }
}
