using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace AspireScale.Gateway;

// YARP does not retry. A request that failed before any of the response was sent goes through load balancing again,
// without the destinations that already failed, so a client never sees a replica die, when going again cannot apply it
// twice:
// - a safe request (GET, HEAD, OPTIONS, TRACE: no body, no side effect), however it failed (the replica was killed
//   mid-request, or refused the connection while restarting);
// - any request whose connection to the replica could not be opened (refused: the replica is dead or restarting), so
//   nothing of it reached the replica, and its body has not been read. Without this, each write sent to a replica in
//   the second or two before the health checks eject it failed with a 502 (bench/chaos: 23 of 2,147 requests).
public static partial class RetryIdempotentRequests
{
    private const int MaxAttempts = 3;

    public static IReverseProxyApplicationBuilder UseRetryOfIdempotentRequests(this IReverseProxyApplicationBuilder proxy)
    {
        var logger = proxy.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway.Retry");
        proxy.Use(async (context, next) =>
        {
            var feature = context.GetReverseProxyFeature();
            var candidates = feature.AvailableDestinations;
            List<DestinationState>? failed = null; // only once a request fails: the hot path allocates nothing here
            for (var attempt = 1; ; attempt++)
            {
                await next();
                if (context.Features.Get<IForwarderErrorFeature>() is not { } error
                    || !(IsSafe(context.Request.Method) || NeverReachedTheReplica(error))
                    || context.Response.HasStarted
                    || context.RequestAborted.IsCancellationRequested
                    || attempt == MaxAttempts
                    || feature.ProxiedDestination is not { } destination)
                {
                    return;
                }

                (failed ??= []).Add(destination);
                var remaining = Except(candidates, failed);
                if (remaining.Count == 0)
                {
                    remaining = Except(feature.AllDestinations, failed);
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

    private static List<DestinationState> Except(IReadOnlyList<DestinationState> destinations, List<DestinationState> failed)
    {
        var remaining = new List<DestinationState>(destinations.Count);
        foreach (var destination in destinations)
        {
            if (!failed.Contains(destination))
            {
                remaining.Add(destination);
            }
        }

        return remaining;
    }

    private static bool IsSafe(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    private static bool NeverReachedTheReplica(IForwarderErrorFeature error) =>
        error is { Error: ForwarderError.Request, Exception: HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } };

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} failed on {Destination} ({Error}) before a response started; retrying on another replica")]
    private static partial void LogRetry(ILogger logger, string method, string path, string destination, ForwarderError error);
}
