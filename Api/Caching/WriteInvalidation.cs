using Microsoft.AspNetCore.OutputCaching;

namespace AspireScale.Api.Caching;

// Evicts what a successful write makes stale (the tags CacheTags maps it to) before its response reaches the client, so
// the client's next read, on any replica or through the balancer, cannot be answered from an older entry.
internal sealed class WriteInvalidation(RequestDelegate next, IOutputCacheStore store)
{
    public Task InvokeAsync(HttpContext context)
    {
        var method = context.Request.Method;
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method) && !HttpMethods.IsOptions(method))
        {
            context.Response.OnStarting(static state =>
            {
                var (http, cache) = ((HttpContext, IOutputCacheStore))state;
                return http.Response.StatusCode is >= 200 and < 300 && CacheTags.ForWrite(http) is { Length: > 0 } tags
                    ? Task.WhenAll(tags.Select(tag => cache.EvictByTagAsync(tag, CancellationToken.None).AsTask()))
                    : Task.CompletedTask;
            }, (context, store));
        }

        return next(context);
    }
}
