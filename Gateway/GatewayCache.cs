using Microsoft.Extensions.Primitives;

namespace AspireScale.Gateway;

// One stored answer: the body as the client gets it (already compressed when the key says br or gzip), the headers to
// replay, and how old it was and may get (s-maxage).
public sealed record GatewayCacheEntry(
    string Key,
    byte[] Body,
    KeyValuePair<string, StringValues>[] Headers,
    string? ETag,
    string[] Tags,
    long StoredAt,
    TimeSpan InitialAge,
    TimeSpan FreshFor)
{
    public long Size { get; } = Body.Length + Key.Length + Headers.Sum(h => h.Key.Length + h.Value.ToString().Length) + 256;
}

// The balancer's response store: least recently used entries go first once the count or byte budget is reached; an index
// from surrogate key (tag) to entries, so a purge removes exactly what a write made stale; and the time of each tag's last
// purge, because a read that was in flight during a write (or served by a replica that had not replayed it yet) must not
// be stored afterwards: the same StaleFillGuard the Api applies to its own output cache.
public sealed class GatewayCache(TimeProvider time, int maxEntries = 10_000, long maxBytes = 64L * 1024 * 1024)
{
    // Keep equal to the Api's Caching:StaleFillGuard (Api/Caching/CachingOptions.cs).
    public static readonly TimeSpan StaleFillGuard = TimeSpan.FromSeconds(5);

    public const int MaxEntryBytes = 1024 * 1024;
    public const string AllTag = "all";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<GatewayCacheEntry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<GatewayCacheEntry> _recency = new();
    private readonly Dictionary<string, HashSet<string>> _keysByTag = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _purgedAt = new(StringComparer.Ordinal);
    private long _bytes;

    public TimeProvider Time { get; } = time;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    // The fresh entry for the key, or null (an expired one is dropped).
    public GatewayCacheEntry? Get(string key)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var node))
            {
                return null;
            }

            if (Age(node.Value) >= node.Value.FreshFor)
            {
                Remove(node);
                return null;
            }

            _recency.Remove(node);
            _recency.AddFirst(node);
            return node.Value;
        }
    }

    public TimeSpan Age(GatewayCacheEntry entry) => entry.InitialAge + Time.GetElapsedTime(entry.StoredAt);

    // False when the answer may predate a purge of one of its tags: one purged since the request started, or within the guard.
    public bool TryStore(GatewayCacheEntry entry, long requestStartedAt)
    {
        if (entry.Size > maxBytes / 4)
        {
            return false;
        }

        lock (_gate)
        {
            var now = Time.GetTimestamp();
            foreach (var tag in entry.Tags)
            {
                if (_purgedAt.TryGetValue(tag, out var at) && (at >= requestStartedAt || Time.GetElapsedTime(at, now) < StaleFillGuard))
                {
                    return false;
                }
            }

            if (_entries.TryGetValue(entry.Key, out var existing))
            {
                Remove(existing);
            }

            var node = _recency.AddFirst(entry);
            _entries[entry.Key] = node;
            _bytes += entry.Size;
            foreach (var tag in entry.Tags)
            {
                if (!_keysByTag.TryGetValue(tag, out var keys))
                {
                    _keysByTag[tag] = keys = new HashSet<string>(StringComparer.Ordinal);
                }

                keys.Add(entry.Key);
            }

            while (_entries.Count > maxEntries || _bytes > maxBytes)
            {
                Remove(_recency.Last!);
            }

            DropExpiredLeastRecentlyUsed();
            return true;
        }
    }

    public void Purge(IEnumerable<string> tags)
    {
        lock (_gate)
        {
            var now = Time.GetTimestamp();
            foreach (var tag in tags)
            {
                _purgedAt[tag] = now;
                if (tag == AllTag)
                {
                    _entries.Clear();
                    _recency.Clear();
                    _keysByTag.Clear();
                    _bytes = 0;
                }
                else if (_keysByTag.Remove(tag, out var keys))
                {
                    foreach (var key in keys)
                    {
                        if (_entries.TryGetValue(key, out var node))
                        {
                            Remove(node);
                        }
                    }
                }
            }

            ForgetOldPurges(now);
        }
    }

    private void Remove(LinkedListNode<GatewayCacheEntry> node)
    {
        var entry = node.Value;
        _entries.Remove(entry.Key);
        _recency.Remove(node);
        _bytes -= entry.Size;
        foreach (var tag in entry.Tags)
        {
            if (_keysByTag.TryGetValue(tag, out var keys) && keys.Remove(entry.Key) && keys.Count == 0)
            {
                _keysByTag.Remove(tag);
            }
        }
    }

    // An expired entry is never served again (Get drops it), but only a read of its own key would find it: without this
    // the store fills with dead entries up to its budget (the balancer's memory grew 12 % over a 30-minute soak, see
    // docs/reliability.md). The least recently used end is swept as far as it is expired, a step per store on average.
    // An expired entry nearer the front waits until everything behind it has expired too. Everything behind it was
    // last stored or read before it was, and it was last read while fresh; so when all entries share one lifetime (the
    // Api's single s-maxage; an Age from the replica only shortens it), it outlives its freshness by at most one more
    // lifetime. An entry given a longer lifetime holds the sweep at the end for as long as it lives.
    private void DropExpiredLeastRecentlyUsed()
    {
        while (_recency.Last is { } oldest && Age(oldest.Value) >= oldest.Value.FreshFor)
        {
            Remove(oldest);
        }
    }

    // Purge times matter only within the guard (and for requests that take longer than it, which are not stored at all).
    private void ForgetOldPurges(long now)
    {
        if (_purgedAt.Count < 4096)
        {
            return;
        }

        foreach (var (tag, at) in _purgedAt.Where(p => Time.GetElapsedTime(p.Value, now) >= StaleFillGuard).ToList())
        {
            _purgedAt.Remove(tag);
        }
    }
}
