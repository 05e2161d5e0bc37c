using AspireScale.Api.Auth;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Options;

namespace AspireScale.Api.Caching;

// The base policy for every request: caches the 200 answers of the reads CacheTags lists, keyed by path, query and viewer
// (never by host, so every replica and the balancer share one entry), tagged so writes can evict them.
internal sealed class ConduitOutputCachePolicy(IOptionsMonitor<CachingOptions> options) : IOutputCachePolicy
{
    private const string ViewerKey = "viewer";

    public ValueTask CacheRequestAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        var http = context.HttpContext;
        var settings = options.CurrentValue;
        if (!settings.OutputCache || !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method)
            || HasUnauthenticatedToken(http) || CacheTags.ForRead(http) is not { } tags)
        {
            return ValueTask.CompletedTask;
        }

        context.EnableOutputCaching = true;
        context.AllowCacheLookup = true;
        context.AllowCacheStorage = true;
        context.AllowLocking = true;
        context.ResponseExpirationTimeSpan = settings.OutputCacheDuration;
        context.CacheVaryByRules.VaryByHost = false;
        context.CacheVaryByRules.QueryKeys = "*";
        context.CacheVaryByRules.VaryByValues[ViewerKey] = http.User.Id()?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "";
        foreach (var tag in tags)
        {
            context.Tags.Add(tag);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask ServeFromCacheAsync(OutputCacheContext context, CancellationToken cancellation) => ValueTask.CompletedTask;

    // Only complete successes: a 404 may turn into a 200 on the replica a moment later, and a 304 has no body to reuse.
    public ValueTask ServeResponseAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        var response = context.HttpContext.Response;
        if (response.StatusCode != StatusCodes.Status200OK || response.Headers.SetCookie.Count > 0)
        {
            context.AllowCacheStorage = false;
        }

        return ValueTask.CompletedTask;
    }

    // The endpoint must answer 401 for a bad token, not the anonymous entry.
    private static bool HasUnauthenticatedToken(HttpContext http) =>
        http.Request.Headers.Authorization.Count > 0 && http.User.Identity?.IsAuthenticated != true;
}
