namespace AspireScale.Api.Infrastructure;

// HEAD is GET without the body (RFC 9110 9.3.2), and every server must answer it; the endpoints are mapped for GET only.
// So a HEAD is routed, authorized, limited and cached as the GET it stands for, and Kestrel, which parsed the request line
// as HEAD, sends the GET's headers (Content-Length included) and drops the body. The balancer's cache answers HEAD from a
// stored GET the same way.
public static class HeadRequests
{
    // Before UseRouting, so that a HEAD matches its GET endpoint (without an explicit UseRouting, routing runs first).
    public static WebApplication UseHeadAsGet(this WebApplication app)
    {
        app.Use(static (context, next) => HttpMethods.IsHead(context.Request.Method) ? AsGetAsync(context, next) : next(context));
        return app;
    }

    private static async Task AsGetAsync(HttpContext context, RequestDelegate next)
    {
        context.Request.Method = HttpMethods.Get;
        try
        {
            await next(context);
        }
        finally
        {
            // What the request's metrics and trace report when it ends (logs written during it say GET).
            context.Request.Method = HttpMethods.Head;
        }
    }
}
