using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace AspireScale.Api.Infrastructure;

public static class OpenApiExtensions
{
    public static IHostApplicationBuilder AddConduitOpenApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo { Title = "Conduit API", Version = "2.0.0", Description = "RealWorld Conduit, served by AspireScale." };
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
        }));
        return builder;
    }

    // The document is served everywhere (/openapi/v1.json, clients generate from it); the Scalar UI only in Development.
    public static WebApplication MapConduitOpenApi(this WebApplication app)
    {
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference();
        }

        return app;
    }
}
