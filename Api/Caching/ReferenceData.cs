using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;

namespace AspireScale.Api.Caching;

// Hot reference data (the tag list) kept in this process by HybridCache: one database query per key and expiry however
// many requests ask at once (HybridCache's stampede protection), in memory only (the Redis output cache already sits
// above it), tagged with CacheTags so a write handled here evicts it at once (WriteInvalidation).
// Staleness: another replica's write reaches this entry within ReferenceDataExpiry (<= StaleFillGuard / 2) plus replica lag.
public sealed class ReferenceData(HybridCache cache, IOptionsMonitor<CachingOptions> options)
{
    public ValueTask<T> GetOrLoadAsync<T>(string key, string tag, Func<CancellationToken, ValueTask<T>> load, CancellationToken cancellationToken)
    {
        var expiry = options.CurrentValue.ReferenceDataExpiry;
        var entry = new HybridCacheEntryOptions
        {
            Expiration = expiry,
            LocalCacheExpiration = expiry,
            Flags = HybridCacheEntryFlags.DisableDistributedCache,
        };
        return cache.GetOrCreateAsync(key, load, static (load, ct) => load(ct), entry, [tag], cancellationToken);
    }
}
