using Microsoft.AspNetCore.OutputCaching.StackExchangeRedis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireScale.Api.Caching;

// Evicts all of a write's tags from the Redis output cache in one script call, with their stale-fill marks, where the
// store's own EvictByTagAsync costs a ZSCAN per tag plus a DEL and a ZREM per entry, and the marks a SET per tag: eight of
// the nine traced Redis commands of an article update (docs/benchmarks.md, "Invalidation's cost"). Ours because the
// store has no eviction of several tags. It reads the store's key layout (RedisOutputCacheStore in
// Microsoft.AspNetCore.OutputCaching.StackExchangeRedis: an entry under InstanceName + "__MSOCV_" + key, each tag a
// sorted set of keys under InstanceName + "__MSOCT_" + tag); RedisTagEvictionTests fail if a new version changes it.
// The script touches keys of several slots, some undeclared, so it needs a single-shard Redis (the AppHost's
// redis-server); a Redis that refuses it (sharded, scripting not permitted) makes ResilientOutputCacheStore fall back to
// the store's own eviction.
internal sealed class RedisTagEviction(IConnectionMultiplexer redis, IOptions<RedisOutputCacheOptions> store)
{
    // Entries removed per tag and call: bounds how long one call holds Redis (and Lua's unpack limit) for a large tag.
    internal const int Batch = 500;

    // KEYS: the n marks, then the n tag sets. ARGV: mark value, mark lifetime (ms), entry key prefix, batch, and 1 when
    // the marks are to be set (the first call only: a later one must not move back a mark another replica set since).
    // Returns 1 when a tag had a full batch, so more entries may remain and the caller calls again.
    private const string EvictScript = """
        local n = #KEYS / 2
        local batch = tonumber(ARGV[4])
        local more = 0
        for i = 1, n do
          if ARGV[5] == '1' then redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2]) end
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

    // Set once a Redis refused the script: evictions go through the store's own path from then on.
    public bool Refused { get; private set; }

    public void Refuse() => Refused = true;

    // An error reply that every call would get again (a sharded Redis's CROSSSLOT, an ACL's NOPERM, a script error), not
    // a passing state of the server (LOADING, BUSY, OOM, READONLY, ...), which counts as an outage.
    public static bool IsRefusal(RedisServerException exception) =>
        exception.Message.StartsWith("ERR", StringComparison.Ordinal)
        || exception.Message.StartsWith("NOPERM", StringComparison.Ordinal)
        || exception.Message.StartsWith("CROSSSLOT", StringComparison.Ordinal);

    public async Task EvictAsync(IReadOnlyList<string> tags, RedisKey[] marks, long markValue, TimeSpan markLifetime)
    {
        var keys = new RedisKey[tags.Count * 2];
        for (var i = 0; i < tags.Count; i++)
        {
            keys[i] = marks[i];
            keys[tags.Count + i] = tagPrefix + tags[i];
        }

        RedisValue[] args = [markValue, (long)markLifetime.TotalMilliseconds, entryPrefix, Batch, 1];
        while ((long)await redis.GetDatabase().ScriptEvaluateAsync(EvictScript, keys, args) == 1)
        {
            args[4] = 0;
        }
    }
}
