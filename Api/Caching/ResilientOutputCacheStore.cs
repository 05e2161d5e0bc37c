using System.Collections.Concurrent;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireScale.Api.Caching;

// Wraps the shared (Redis) output cache store so that Redis being down costs nothing but cache misses:
// - a failure or a disconnected multiplexer opens a short circuit: reads are misses, stores are skipped, no waiting on
//   timeouts; after the break, the next call tries Redis again, so caching resumes by itself;
// - an eviction that could not reach Redis (here or on another replica) means entries there may be stale, so after any
//   failure the first call that reaches Redis again evicts every entry (tag "all") before anything is read: a replica
//   that saw the outage cannot know whether another one's write failed to evict;
// - a response is not stored when one of its tags was evicted within StaleFillGuard (by any replica: the marks live in
//   Redis too), and the marks are checked again after storing, so a read that raced a write cannot leave a stale entry.
internal sealed partial class ResilientOutputCacheStore(
    IOutputCacheStore inner,
    IOptionsMonitor<CachingOptions> options,
    TimeProvider time,
    ILogger<ResilientOutputCacheStore> logger,
    IConnectionMultiplexer? redis = null,
    RedisTagEviction? tagEviction = null) : IOutputCacheStore
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, long> localEvictions = new(StringComparer.Ordinal);
    private int recovering;
    private readonly Infrastructure.RedisBreaker breaker = new(time);
    private volatile bool mustFlush;

    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        if (!await IsAvailableAsync())
        {
            return null;
        }

        try
        {
            return await inner.GetAsync(key, cancellationToken).AsTask().WaitAsync(CallTimeout, cancellationToken);
        }
        catch (Exception exception) when (IsStoreFailure(exception, cancellationToken))
        {
            Break(exception);
            return null;
        }
    }

    public async ValueTask SetAsync(string key, byte[] value, string[]? tags, TimeSpan validFor, CancellationToken cancellationToken)
    {
        if (!await IsAvailableAsync())
        {
            return;
        }

        try
        {
            if (tags is { Length: > 0 } && await RecentlyEvictedAsync(tags) is not null)
            {
                return;
            }

            await inner.SetAsync(key, value, tags, validFor, cancellationToken).AsTask().WaitAsync(CallTimeout, cancellationToken);
            if (tags is { Length: > 0 } && await RecentlyEvictedAsync(tags) is { } evicted)
            {
                // A write landed while this entry was being stored: it may predate that write.
                await inner.EvictByTagAsync(evicted, cancellationToken).AsTask().WaitAsync(CallTimeout, cancellationToken);
            }
        }
        catch (Exception exception) when (IsStoreFailure(exception, cancellationToken))
        {
            Break(exception);
        }
    }

    public ValueTask EvictByTagAsync(string tag, CancellationToken cancellationToken) => new(EvictByTagsAsync([tag]));

    // A write's tags at once: one Redis call for them all when the store is in Redis (RedisTagEviction), else per tag
    // the mark and the inner store's own eviction.
    public async Task EvictByTagsAsync(string[] tags)
    {
        var now = time.GetTimestamp();
        foreach (var tag in tags)
        {
            localEvictions[tag] = now;
        }

        if (!await IsAvailableAsync())
        {
            mustFlush = true;
            return;
        }

        try
        {
            if (!await TryEvictInOneCallAsync(tags))
            {
                await Task.WhenAll(tags.Select(EvictOneAsync));
            }
        }
        catch (Exception exception) when (IsStoreFailure(exception, CancellationToken.None))
        {
            mustFlush = true;
            Break(exception);
        }
    }

    // False where there is no script or Redis refused it: the caller then evicts tag by tag.
    private async Task<bool> TryEvictInOneCallAsync(string[] tags)
    {
        if (tagEviction is not { Refused: false })
        {
            return false;
        }

        try
        {
            await tagEviction
                .EvictAsync(tags, [.. tags.Select(EvictionKey)], time.GetUtcNow().ToUnixTimeMilliseconds(), options.CurrentValue.StaleFillGuard)
                .WaitAsync(CallTimeout);
            return true;
        }
        catch (RedisServerException exception) when (RedisTagEviction.IsRefusal(exception))
        {
            tagEviction.Refuse();
            LogScriptRefused(logger, exception);
            return false;
        }
    }

    private async Task EvictOneAsync(string tag)
    {
        if (redis is not null)
        {
            await redis.GetDatabase()
                .StringSetAsync(EvictionKey(tag), time.GetUtcNow().ToUnixTimeMilliseconds(), options.CurrentValue.StaleFillGuard)
                .WaitAsync(CallTimeout);
        }

        await inner.EvictByTagAsync(tag, CancellationToken.None).AsTask().WaitAsync(CallTimeout);
    }

    private async ValueTask<bool> IsAvailableAsync()
    {
        if (redis is { IsConnected: false })
        {
            mustFlush = true;
            return false;
        }

        if (breaker.IsOpen)
        {
            return false;
        }

        if (!mustFlush)
        {
            return true;
        }

        // One request flushes after an outage; the others count as misses meanwhile.
        if (Interlocked.Exchange(ref recovering, 1) == 1)
        {
            return false;
        }

        try
        {
            if (mustFlush)
            {
                await inner.EvictByTagAsync(CacheTags.All, CancellationToken.None).AsTask().WaitAsync(CallTimeout);
                mustFlush = false;
                LogResumed(logger);
            }

            return true;
        }
        catch (Exception exception) when (IsStoreFailure(exception, CancellationToken.None))
        {
            Break(exception);
            return false;
        }
        finally
        {
            Volatile.Write(ref recovering, 0);
        }
    }

    // The first of the tags evicted within the guard window, by this replica or (through Redis) any other.
    private async Task<string?> RecentlyEvictedAsync(string[] tags)
    {
        var guard = options.CurrentValue.StaleFillGuard;
        foreach (var tag in tags)
        {
            if (localEvictions.TryGetValue(tag, out var at) && time.GetElapsedTime(at) < guard)
            {
                return tag;
            }
        }

        if (redis is null)
        {
            return null;
        }

        var marks = await redis.GetDatabase().StringGetAsync([.. tags.Select(EvictionKey)]).WaitAsync(CallTimeout);
        var since = time.GetUtcNow().Subtract(guard).ToUnixTimeMilliseconds();
        for (var i = 0; i < tags.Length; i++)
        {
            if (marks[i].TryParse(out long evictedAt) && evictedAt >= since)
            {
                return tags[i];
            }
        }

        return null;
    }

    private void Break(Exception exception)
    {
        mustFlush = true;
        breaker.Open(options.CurrentValue.RedisBreakFor);
        LogBroken(logger, exception);
    }

    internal static RedisKey EvictionKey(string tag) => $"conduit:output-cache:evicted:{tag}";

    private static bool IsStoreFailure(Exception exception, CancellationToken cancellationToken) =>
        exception is RedisException or TimeoutException or ObjectDisposedException || exception is OperationCanceledException && !cancellationToken.IsCancellationRequested;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Output cache store failed; serving without the cache for a few seconds")]
    private static partial void LogBroken(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis refused the eviction script; evicting tag by tag from now on")]
    private static partial void LogScriptRefused(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Output cache store is back; evicted every entry written before the outage")]
    private static partial void LogResumed(ILogger logger);
}
