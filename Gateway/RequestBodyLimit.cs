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

    private static Task WriteTooLargeAsync(HttpContext context, long maxBytes)
    {
        // The rest of the upload is not read: close rather than drain it.
        context.Response.Headers.Connection = "close";
        var message = $"is too large (maximum is {maxBytes} bytes)";
        return GatewayErrors.WriteAsync(
            context, StatusCodes.Status413PayloadTooLarge, "body", message, "Content Too Large",
            "https://tools.ietf.org/html/rfc9110#section-15.5.14", $"The request body {message}.");
    }
}
