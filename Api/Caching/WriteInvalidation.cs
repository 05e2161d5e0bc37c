using Microsoft.Extensions.Caching.Hybrid;

namespace AspireScale.Api.Caching;

// Evicts what a successful write makes stale (the tags CacheTags maps it to) before its response reaches the client, so
// the client's next read, on any replica or through the balancer, cannot be answered from an older entry: the output
// cache, this replica's in-process HybridCache entries with those tags, and the caches in front (see SurrogateKeys).
internal sealed class WriteInvalidation(RequestDelegate next, ResilientOutputCacheStore store, HybridCache local, SurrogateKeys surrogates)
{
    public Task InvokeAsync(HttpContext context)
    {
        var method = context.Request.Method;
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method) && !HttpMethods.IsOptions(method))
        {
            context.Response.OnStarting(static state =>
            {
                var (self, http) = ((WriteInvalidation, HttpContext))state;
                return self.EvictAsync(http);
            }, (this, context));
        }

        return next(context);
    }

    private async Task EvictAsync(HttpContext http)
    {
        if (http.Response.StatusCode is not (>= 200 and < 300) || CacheTags.ForWrite(http) is not { Length: > 0 } tags)
        {
            return;
        }

        await store.EvictByTagsAsync(tags);
        await local.RemoveByTagAsync(tags, CancellationToken.None);
        http.Response.Headers[SurrogateKeys.PurgeHeader] = SurrogateKeys.Format(tags);
        surrogates.Publish(tags);
    }
}
