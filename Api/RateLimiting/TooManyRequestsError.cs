using System.Globalization;
using AspireScale.Api.Infrastructure;

namespace AspireScale.Api.RateLimiting;

// 429 in the spec's error format with Retry-After (whole seconds, at least 1), never stored by a cache. Written by the
// rate limiter and by a locked login alike.
public sealed class TooManyRequestsError(string key, string reason, TimeSpan retryAfter) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => StatusCodes.Status429TooManyRequests;

    public int RetryAfterSeconds { get; } = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        httpContext.Response.Headers.CacheControl = "no-store";
        var message = string.Create(CultureInfo.InvariantCulture, $"{reason}, retry in {RetryAfterSeconds} s");
        return TypedResults.Json(ErrorEnvelope.Of(key, message), statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(httpContext);
    }
}
