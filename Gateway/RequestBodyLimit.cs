using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace AspireScale.Gateway;

// Oversized uploads are refused here, before any byte reaches a replica: a declared Content-Length over the limit is
// answered at once; a chunked body that grows past it makes Kestrel throw while YARP reads it, and YARP's bare 413 gets
// its body. Same body as the Api's: {"errors":{...}} under /api, ProblemDetails elsewhere.
internal static class RequestBodyLimit
{
    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app, long maxBytes) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.ContentLength > maxBytes)
            {
                await WriteTooLargeAsync(context, maxBytes);
                return;
            }

            await next(context);
        });

    public static void UseOversizedBodyAnswer(this IReverseProxyApplicationBuilder proxy, long maxBytes) =>
        proxy.Use(async (context, next) =>
        {
            await next();
            // YARP already set the status from Kestrel's BadHttpRequestException; it writes no body.
            if (context.GetForwarderErrorFeature() is not null
                && context.Response.StatusCode == StatusCodes.Status413PayloadTooLarge
                && !context.Response.HasStarted)
            {
                await WriteTooLargeAsync(context, maxBytes);
            }
        });

    private static async Task WriteTooLargeAsync(HttpContext context, long maxBytes)
    {
        var message = $"is too large (maximum is {maxBytes} bytes)";
        var response = context.Response;
        response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        // The rest of the upload is not read: close rather than drain it.
        response.Headers.Connection = "close";
        var isApi = context.Request.Path.StartsWithSegments("/api");
        response.ContentType = isApi ? "application/json; charset=utf-8" : "application/problem+json";
        await using var json = new Utf8JsonWriter(response.Body);
        json.WriteStartObject();
        if (isApi)
        {
            json.WriteStartObject("errors");
            json.WriteStartArray("body");
            json.WriteStringValue(message);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        else
        {
            json.WriteString("type", "https://tools.ietf.org/html/rfc9110#section-15.5.14");
            json.WriteString("title", "Content Too Large");
            json.WriteNumber("status", StatusCodes.Status413PayloadTooLarge);
            json.WriteString("detail", $"The request body {message}.");
        }

        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
