using Microsoft.Extensions.Caching.Memory;
using StackExchange.Redis;

namespace AspireScale.Api.Data;

// The WAL position of each user's last write. Kept in Redis so every API replica sees it (a user's next request may land
// on another replica), and in this process's memory so a Redis outage still gives read-your-writes on the replica that
// took the write. Entries expire: a replica that lags by minutes is failing anyway.
public sealed partial class WriteLsnStore(IMemoryCache local, ILogger<WriteLsnStore> logger, IConnectionMultiplexer? redis = null)
{
    private static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(5);

    // A Redis that hangs (rather than refusing) would hold the request for the multiplexer's whole timeout.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromMilliseconds(500);

    public async Task RememberAsync(long userId, ulong lsn)
    {
        local.Set(userId, lsn, KeepFor);
        // A disconnected multiplexer would queue the command until its timeout; a write must not wait seconds for that.
        if (redis is not { IsConnected: true })
        {
            return;
        }

        try
        {
            await redis.GetDatabase().StringSetAsync(Key(userId), (long)lsn, KeepFor).WaitAsync(CallTimeout);
        }
        catch (Exception exception) when (RedisFailures.IsUnavailable(exception))
        {
            LogRedisFailed(logger, exception);
        }
    }

    public async Task<ulong?> LastWriteAsync(long userId)
    {
        var known = local.TryGetValue(userId, out ulong localLsn) ? localLsn : (ulong?)null;
        if (redis is not { IsConnected: true })
        {
            return known;
        }

        try
        {
            var shared = await redis.GetDatabase().StringGetAsync(Key(userId)).WaitAsync(CallTimeout);
            if (shared.TryParse(out long sharedLsn) && (known is null || (ulong)sharedLsn > known))
            {
                return (ulong)sharedLsn;
            }
        }
        catch (Exception exception) when (RedisFailures.IsUnavailable(exception))
        {
            LogRedisFailed(logger, exception);
        }

        return known;
    }

    private static RedisKey Key(long userId) => $"conduit:write-lsn:{userId}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is unavailable; read-your-writes falls back to this process's memory")]
    private static partial void LogRedisFailed(ILogger logger, Exception exception);
}
