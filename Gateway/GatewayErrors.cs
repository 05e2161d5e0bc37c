using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AspireScale.Gateway;

// An answer the gateway gives itself, in the Api's format: {"errors":{key:[message]}} under /api (the RealWorld spec's),
// RFC 9457 ProblemDetails elsewhere.
internal static class GatewayErrors
{
    public static async Task WriteAsync(HttpContext context, int status, string key, string message, string title, string type, string detail)
    {
        var response = context.Response;
        response.StatusCode = status;
        var isApi = context.Request.Path.StartsWithSegments("/api");
        response.ContentType = isApi ? "application/json; charset=utf-8" : "application/problem+json";
        await using var json = new Utf8JsonWriter(response.Body);
        json.WriteStartObject();
        if (isApi)
        {
            json.WriteStartObject("errors");
            json.WriteStartArray(key);
            json.WriteStringValue(message);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        else
        {
            json.WriteString("type", type);
            json.WriteString("title", title);
            json.WriteNumber("status", status);
            json.WriteString("detail", detail);
        }

        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
