using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Model;

namespace AspireScale.Gateway;

// Load shedding at the edge: at most MaxConcurrentRequests requests are with the replicas at once and MaxQueuedRequests
// more wait, oldest first, for one of them to finish; past that a request is answered at once with 503 and Retry-After
// instead of joining a queue that only grows. Under overload the replicas go on serving what they can at a bounded
// latency, and each client learns within a millisecond to come back, rather than after its timeout. Answers from the
// gateway's cache and its own endpoints never count. MaxConcurrentRequests 0 turns it off.
internal static class LoadShedding
{
    public static void UseLoadShedding(this IReverseProxyApplicationBuilder proxy, GatewayOptions options)
    {
        if (options.MaxConcurrentRequests == 0)
        {
            return;
        }

        var limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.MaxConcurrentRequests,
            QueueLimit = options.MaxQueuedRequests,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        proxy.Use(async (context, next) =>
        {
            using var lease = await limiter.AcquireAsync(1, context.RequestAborted);
            if (!lease.IsAcquired)
            {
                context.Response.Headers.RetryAfter = "1";
                context.Response.Headers.CacheControl = "no-store";
                await GatewayErrors.WriteAsync(
                    context, StatusCodes.Status503ServiceUnavailable, "server", "is overloaded, retry in 1 s",
                    "Service Unavailable", "https://tools.ietf.org/html/rfc9110#section-15.6.4",
                    "The replicas are at their limit; retry in 1 s.");
                return;
            }

            await next();
        });
    }
}
