using System.Text.Json.Serialization;
using AspireScale.Api.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AspireScale.Api.Infrastructure;

// The spec's GenericErrorModel: {"errors":{"<field or resource>":["<message>"]}}.
public sealed record ErrorEnvelope([property: JsonPropertyName("errors")] IReadOnlyDictionary<string, string[]> Errors)
{
    public static ErrorEnvelope Of(string key, string message) => new(new Dictionary<string, string[]> { [key] = [message] });
}

public static class ApiErrors
{
    public static NotFound<ErrorEnvelope> NotFound(string resource) => TypedResults.NotFound(ErrorEnvelope.Of(resource, "not found"));

    // TypedResults.Forbid() challenges the auth scheme and has no body; the spec wants 403 with an error body.
    public static JsonHttpResult<ErrorEnvelope> Forbidden(string resource) =>
        TypedResults.Json(ErrorEnvelope.Of(resource, "forbidden"), statusCode: StatusCodes.Status403Forbidden);

    public static Conflict<ErrorEnvelope> Conflict(string field) => TypedResults.Conflict(ErrorEnvelope.Of(field, "has already been taken"));

    public static UnauthorizedError Unauthorized(string key, string message) => new(ErrorEnvelope.Of(key, message));

    public static UnprocessableEntity<ErrorEnvelope> Invalid(string field, string message) =>
        TypedResults.UnprocessableEntity(ErrorEnvelope.Of(field, message));

    public static UnprocessableEntity<ErrorEnvelope> Invalid(ValidationErrors errors) => TypedResults.UnprocessableEntity(errors.ToEnvelope());

    // Documents statuses the handler's Results<...> cannot show (401 from the auth layer, 403 written as JsonHttpResult).
    public static TBuilder ProducesErrors<TBuilder>(this TBuilder builder, params int[] statusCodes) where TBuilder : IEndpointConventionBuilder
    {
        foreach (var statusCode in statusCodes)
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(statusCode, typeof(ErrorEnvelope), ["application/json"]));
        }

        return builder;
    }

    // Documents one answer of a status in the OpenAPI documents: its error key and message and when it is given.
    // OpenApiExtensions turns these into the response's description and named examples.
    public static TBuilder DescribesError<TBuilder>(this TBuilder builder, int statusCode, string key, string message, string when)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ErrorDescription(statusCode, key, message, when));

    // A 404's key names the missing resource of the path, outermost first. On a nested route the outer resource's goes on
    // the route group: group metadata precedes its endpoints', so the document lists "article" before "comment", as the
    // API checks them.
    public static TBuilder DescribesNotFound<TBuilder>(this TBuilder builder, string resource, string identifiedBy)
        where TBuilder : IEndpointConventionBuilder =>
        builder.DescribesError(StatusCodes.Status404NotFound, resource, "not found", $"no {resource} has this {identifiedBy}");
}

// One documented error answer (see ApiErrors.DescribesError).
public sealed record ErrorDescription(int StatusCode, string Key, string Message, string When);

// A 401 in the spec's error format that names the scheme to authenticate with (RFC 9110 11.6.1), as the auth layer's own
// challenge does: every 401 a handler or filter returns is one of these.
public sealed class UnauthorizedError(ErrorEnvelope errors) : IResult, IStatusCodeHttpResult
{
    private readonly JsonHttpResult<ErrorEnvelope> _body = TypedResults.Json(errors, statusCode: StatusCodes.Status401Unauthorized);

    public int? StatusCode => StatusCodes.Status401Unauthorized;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.Headers.WWWAuthenticate = AuthExtensions.Scheme;
        return _body.ExecuteAsync(httpContext);
    }
}
