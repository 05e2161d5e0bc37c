using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.WebUtilities;
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
        options.AddOperationTransformer(DescribeErrors);
        options.AddOperationTransformer(RequireTokenWhereTheEndpointDoes);
    }

    // As the spec marks them: an endpoint that refuses anonymous callers (RequireAuthorization) requires the Token scheme;
    // one where a token is optional (the article lists, a profile) declares none, so a generated client sends it at will.
    private static Task RequireTokenWhereTheEndpointDoes(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Token", context.Document)] = [] }];
        }

        return Task.CompletedTask;
    }

    // The answers an endpoint declared with DescribesError: the response of that status says which key is given when, and
    // carries one named example body per key, so a client sees e.g. that a 404 on a comment may name the article.
    private static Task DescribeErrors(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var described = context.Description.ActionDescriptor.EndpointMetadata.OfType<ErrorDescription>().Distinct();
        foreach (var status in described.GroupBy(error => error.StatusCode))
        {
            // A description of a status the endpoint does not produce is a mistake in the route table: fail where tests see it.
            if (operation.Responses?.GetValueOrDefault(status.Key.ToString(CultureInfo.InvariantCulture)) is not OpenApiResponse response)
            {
                throw new InvalidOperationException($"{context.Description.HttpMethod} {context.Description.RelativePath} describes a {status.Key} it does not produce.");
            }

            response.Description = $"{Lead(status.Key)} {string.Join("; ", status.Select(error => $"\"{error.Key}\" when {error.When}"))}.";
            foreach (var media in response.Content?.Values ?? [])
            {
                media.Examples ??= new Dictionary<string, IOpenApiExample>();
                // One example per key with all its messages, as the API gathers them (ValidationErrors).
                foreach (var key in status.GroupBy(error => error.Key))
                {
                    media.Examples[key.Key] = new OpenApiExample
                    {
                        Summary = string.Join("; ", key.Select(error => error.When)),
                        Value = new JsonObject { ["errors"] = new JsonObject { [key.Key] = new JsonArray([.. key.Select(error => JsonValue.Create(error.Message))]) } },
                    };
                }
            }
        }

        return Task.CompletedTask;
    }

    private static string Lead(int status) => status switch
    {
        StatusCodes.Status404NotFound => "Not Found. The error key names the resource of the path that is missing, outermost first:",
        StatusCodes.Status422UnprocessableEntity => "Unprocessable Entity. Each error key is an invalid field, all reported at once, e.g.",
        _ => ReasonPhrases.GetReasonPhrase(status) + ":",
    };
}
