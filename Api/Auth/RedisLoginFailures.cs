using StackExchange.Redis;

namespace AspireScale.Api.Auth;

// The login failure counts of every replica in Redis: one hash per account and per address (n: attempts in the current
// window, start: when it began, strikes: locks so far, until: when the current lock ends, all in ms of Redis's clock, so
// replicas with skewed clocks agree). One script call per login decides and counts atomically, so parallel guesses
// cannot all slip past a check made before any of them was counted; a successful login is a second call that gives its
// attempt back. LocalLoginFailures is the same algorithm in process.
public sealed class RedisLoginFailures(IConnectionMultiplexer redis)
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromMilliseconds(500);

    // KEYS: account, address. ARGV: account limit, account window, address limit, address window, lockout, max lockout (ms).
    // Returns {1, 0} when the attempt may verify the password, else {0, ms until it may try again}.
    private const string AttemptScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local lockout, max_lockout = tonumber(ARGV[5]), tonumber(ARGV[6])
        local state = {}
        local wait = 0
        for i = 1, 2 do
          local f = redis.call('HMGET', KEYS[i], 'n', 'start', 'strikes', 'until')
          local s = { n = tonumber(f[1]) or 0, start = tonumber(f[2]) or now, strikes = tonumber(f[3]) or 0,
                      limit = tonumber(ARGV[2 * i - 1]), window = tonumber(ARGV[2 * i]) }
          local locked = (tonumber(f[4]) or 0) - now
          if locked > wait then wait = locked end
          if now - s.start >= s.window then s.n, s.start = 0, now end
          state[i] = s
        end
        if wait > 0 then return {0, wait} end
        for i = 1, 2 do
          local s = state[i]
          if s.n + 1 > s.limit then
            local lock = math.min(lockout * 2 ^ s.strikes, max_lockout)
            redis.call('HSET', KEYS[i], 'n', 0, 'start', string.format('%.0f', now), 'strikes', s.strikes + 1,
              'until', string.format('%.0f', now + lock))
            redis.call('PEXPIRE', KEYS[i], string.format('%.0f', lock + s.window))
            if lock > wait then wait = lock end
          end
        end
        if wait > 0 then return {0, wait} end
        for i = 1, 2 do
          local s = state[i]
          redis.call('HSET', KEYS[i], 'n', s.n + 1, 'start', string.format('%.0f', s.start))
          local ttl = s.start + s.window - now
          if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], string.format('%.0f', ttl)) end
        end
        return {1, 0}
        """;

    // The owner proved the password: the account starts over (count and strikes); the address only gets this attempt back.
    private const string SucceededScript = """
        redis.call('DEL', KEYS[1])
        if (tonumber(redis.call('HGET', KEYS[2], 'n')) or 0) > 0 then redis.call('HINCRBY', KEYS[2], 'n', -1) end
        return 1
        """;

    public bool IsConnected => redis.IsConnected;

    public async Task<TimeSpan> AttemptAsync(string account, string address, LoginProtectionOptions limits)
    {
        var result = (RedisResult[])(await redis.GetDatabase()
            .ScriptEvaluateAsync(AttemptScript, [Key("account", account), Key("address", address)],
            [
                limits.Account.Limit, (long)limits.Account.Window.TotalMilliseconds,
                limits.Address.Limit, (long)limits.Address.Window.TotalMilliseconds,
                (long)limits.Lockout.TotalMilliseconds, (long)limits.MaxLockout.TotalMilliseconds,
            ])
            .WaitAsync(CallTimeout))!;
        return (int)result[0] == 1 ? TimeSpan.Zero : TimeSpan.FromMilliseconds((long)result[1]);
    }

    public Task SucceededAsync(string account, string address) =>
        redis.GetDatabase().ScriptEvaluateAsync(SucceededScript, [Key("account", account), Key("address", address)]).WaitAsync(CallTimeout);

    private static RedisKey Key(string kind, string subject) => $"conduit:login:{kind}:{subject}";
}
