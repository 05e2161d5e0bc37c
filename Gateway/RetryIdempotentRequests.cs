using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace AspireScale.Gateway;

// YARP does not retry. A safe request (GET, HEAD, OPTIONS, TRACE: no body, no side effect) that failed before any of the
// response was sent - the replica was killed, or refused the connection while restarting - goes through load balancing
// again without the destinations that already failed, so a client never sees a replica die.
public static partial class RetryIdempotentRequests
{
    private const int MaxAttempts = 3;

    public static IReverseProxyApplicationBuilder UseRetryOfIdempotentRequests(this IReverseProxyApplicationBuilder proxy)
    {
        var logger = proxy.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway.Retry");
        proxy.Use(async (context, next) =>
        {
            if (!IsSafe(context.Request.Method))
            {
                await next();
                return;
            }

            var feature = context.GetReverseProxyFeature();
            var candidates = feature.AvailableDestinations;
            var failed = new List<DestinationState>();
            for (var attempt = 1; ; attempt++)
            {
                await next();
                if (context.Features.Get<IForwarderErrorFeature>() is not { } error
                    || context.Response.HasStarted
                    || context.RequestAborted.IsCancellationRequested
                    || attempt == MaxAttempts
                    || feature.ProxiedDestination is not { } destination)
                {
                    return;
                }

                failed.Add(destination);
                var remaining = candidates.Where(d => !failed.Contains(d)).ToList();
                if (remaining.Count == 0)
                {
                    remaining = [.. feature.AllDestinations.Where(d => !failed.Contains(d))];
                }

                if (remaining.Count == 0)
                {
                    return;
                }

                LogRetry(logger, context.Request.Method, context.Request.Path, destination.DestinationId, error.Error);
                context.Features.Set<IForwarderErrorFeature>(null);
                context.Response.Clear();
                feature.AvailableDestinations = remaining;
            }
        });
        return proxy;
    }

    private static bool IsSafe(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} failed on {Destination} ({Error}) before a response started; retrying on another replica")]
    private static partial void LogRetry(ILogger logger, string method, string path, string destination, ForwarderError error);
}
