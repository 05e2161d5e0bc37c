using Microsoft.AspNetCore.OutputCaching.StackExchangeRedis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireScale.Api.Caching;

// Evicts all of a write's tags from the Redis output cache in one script call, with their stale-fill marks, where the
// store's own EvictByTagAsync costs a ZSCAN per tag plus a DEL and a ZREM per entry, and the marks a SET per tag: nine
// traced commands for an article update (docs/benchmarks.md, "Invalidation's cost"). Ours because the store has no
// eviction of several tags. It reads the store's key layout (RedisOutputCacheStore in
// Microsoft.AspNetCore.OutputCaching.StackExchangeRedis: an entry under InstanceName + "__MSOCV_" + key, each tag a
// sorted set of keys under InstanceName + "__MSOCT_" + tag); RedisTagEvictionTests fail if a new version changes it.
// The entries' keys are built in the script, not declared: like RedisLoginFailures and the marks' MGET, this needs one
// shard (the AppHost's redis-server; Azure Managed Redis's Enterprise policy presents one endpoint).
internal sealed class RedisTagEviction(IConnectionMultiplexer redis, IOptions<RedisOutputCacheOptions> store)
{
    // Entries removed per tag and call: bounds how long one call holds Redis (and Lua's unpack limit) for a large tag.
    internal const int Batch = 500;

    // KEYS: the n marks, then the n tag sets. ARGV: mark value, mark lifetime (ms), entry key prefix, batch.
    // Returns 1 when a tag had a full batch, so more entries may remain and the caller calls again.
    private const string EvictScript = """
        local n = #KEYS / 2
        local batch = tonumber(ARGV[4])
        local more = 0
        for i = 1, n do
          redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
          local keys = redis.call('ZRANGE', KEYS[n + i], 0, batch - 1)
          if #keys > 0 then
            local entries = {}
            for j, key in ipairs(keys) do entries[j] = ARGV[3] .. key end
            redis.call('UNLINK', unpack(entries))
            redis.call('ZREM', KEYS[n + i], unpack(keys))
            if #keys == batch then more = 1 end
          end
        end
        return more
        """;

    private readonly string entryPrefix = store.Value.InstanceName + "__MSOCV_";
    private readonly string tagPrefix = store.Value.InstanceName + "__MSOCT_";

    public async Task EvictAsync(IReadOnlyList<string> tags, RedisKey[] marks, long markValue, TimeSpan markLifetime)
    {
        var keys = new RedisKey[tags.Count * 2];
        for (var i = 0; i < tags.Count; i++)
        {
            keys[i] = marks[i];
            keys[tags.Count + i] = tagPrefix + tags[i];
        }

        RedisValue[] args = [markValue, (long)markLifetime.TotalMilliseconds, entryPrefix, Batch];
        bool more;
        do
        {
            more = (long)await redis.GetDatabase().ScriptEvaluateAsync(EvictScript, keys, args) == 1;
        }
        while (more);
    }
}
