using StackExchange.Redis;

namespace AspireScale.Api.Caching;

// Tells the caches in front of the Api (the balancer's response cache, a CDN) what each answer depends on and what each
// write made stale, in CacheTags' vocabulary, as CDNs do with surrogate keys (Fastly's Surrogate-Key):
// - a cacheable anonymous read carries Surrogate-Key: its tags;
// - a successful write carries Surrogate-Purge: the tags it evicted, so the balancer purges them before the client sees
//   the answer, and the same tags go out on the Redis channel, for the writes that did not pass through the balancer.
// Both headers are internal: the balancer strips them (Gateway/GatewayResponseCaching.cs, which repeats these names).
// Tags are percent-encoded and space-separated, so a username with spaces or non-ASCII stays one valid token.
public sealed class SurrogateKeys(IConnectionMultiplexer? redis = null)
{
    public const string KeyHeader = "Surrogate-Key";
    public const string PurgeHeader = "Surrogate-Purge";
    public const string PurgeChannel = "conduit:surrogate-purge";

    public static string Format(IEnumerable<string> tags) => string.Join(' ', tags.Select(Uri.EscapeDataString));

    // Fire and forget: the write is done and answered either way; a balancer that lost Redis flushes when it is back.
    public void Publish(string[] tags)
    {
        if (redis is { IsConnected: true })
        {
            redis.GetSubscriber().Publish(RedisChannel.Literal(PurgeChannel), Format(tags), CommandFlags.FireAndForget);
        }
    }
}
