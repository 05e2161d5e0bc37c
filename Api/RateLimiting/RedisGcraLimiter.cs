using StackExchange.Redis;

namespace AspireScale.Api.RateLimiting;

public readonly record struct RateLimitDecision(bool Allowed, int Remaining, TimeSpan RetryAfter, TimeSpan Reset);

// GCRA (the generic cell rate algorithm) in one Lua script, so every replica shares one atomic counter per partition:
// a partition may use `limit` requests at once and regains one every window/limit. Redis's own clock is the time source,
// so replicas with skewed clocks still agree. One key per partition holds the theoretical arrival time (TAT) in µs,
// written with %.0f: Lua's default number formatting keeps 14 digits and would round it.
public sealed class RedisGcraLimiter(IConnectionMultiplexer redis)
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromMilliseconds(500);

    private const string Script = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local interval = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local tat = tonumber(redis.call('GET', KEYS[1]) or now)
        if tat < now then tat = now end
        local next_tat = tat + interval
        local allow_at = next_tat - burst
        if allow_at > now then
          return {0, 0, allow_at - now, tat - now}
        end
        redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', string.format('%.0f', math.ceil((next_tat - now) / 1000)))
        return {1, math.floor((burst - (next_tat - now)) / interval), 0, next_tat - now}
        """;

    public bool IsConnected => redis.IsConnected;

    public async Task<RateLimitDecision> AcquireAsync(string policy, string partition, RateLimitPolicy limits)
    {
        var interval = limits.Window.TotalMicroseconds / limits.PermitLimit;
        var burst = limits.Window.TotalMicroseconds;
        var result = (RedisResult[])(await redis.GetDatabase()
            .ScriptEvaluateAsync(Script, [(RedisKey)$"conduit:rate:{policy}:{partition}"], [interval, burst])
            .WaitAsync(CallTimeout))!;
        return new RateLimitDecision(
            (int)result[0] == 1,
            Math.Max(0, (int)result[1]),
            TimeSpan.FromMicroseconds((long)result[2]),
            TimeSpan.FromMicroseconds((long)result[3]));
    }
}
