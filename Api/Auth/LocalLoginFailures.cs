namespace AspireScale.Api.Auth;

// RedisLoginFailures' algorithm in this process: what a replica counts with while Redis is unreachable (so N replicas
// allow up to N times the limits during an outage, instead of none or all). Logins are rare and each costs a password
// hash, so one lock over a dictionary is enough. Entries past their expiry behave as never seen and are dropped whenever
// the table has doubled since the last sweep, so a flood of one-off emails cannot grow it without bound.
public sealed class LocalLoginFailures(TimeProvider time)
{
    private const int SweepAbove = 1_024;

    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private readonly long origin = time.GetTimestamp();
    private int sweepAt = SweepAbove;

    public int Entries
    {
        get
        {
            lock (gate)
            {
                return entries.Count;
            }
        }
    }

    // Zero when the attempt may verify the password, else how long until it may try again.
    public TimeSpan Attempt(string account, string address, LoginProtectionOptions limits)
    {
        var now = Now();
        lock (gate)
        {
            var subjects = new[] { (Key: "account:" + account, Limits: limits.Account), (Key: "address:" + address, Limits: limits.Address) };
            var states = new Entry[subjects.Length];
            long wait = 0;
            for (var i = 0; i < subjects.Length; i++)
            {
                var window = (long)subjects[i].Limits.Window.TotalMilliseconds;
                var state = entries.TryGetValue(subjects[i].Key, out var stored) && stored.ExpiresAt > now ? stored : new Entry(0, now, 0, 0, 0);
                wait = Math.Max(wait, state.Until - now);
                states[i] = now - state.Start >= window ? state with { N = 0, Start = now } : state;
            }

            if (wait > 0)
            {
                return TimeSpan.FromMilliseconds(wait);
            }

            for (var i = 0; i < subjects.Length; i++)
            {
                var (state, window) = (states[i], (long)subjects[i].Limits.Window.TotalMilliseconds);
                if (state.N + 1 > subjects[i].Limits.Limit)
                {
                    var lockFor = (long)Math.Min(limits.Lockout.TotalMilliseconds * Math.Pow(2, state.Strikes), limits.MaxLockout.TotalMilliseconds);
                    entries[subjects[i].Key] = new Entry(0, now, state.Strikes + 1, now + lockFor, now + lockFor + window);
                    wait = Math.Max(wait, lockFor);
                }
            }

            if (wait > 0)
            {
                return TimeSpan.FromMilliseconds(wait);
            }

            for (var i = 0; i < subjects.Length; i++)
            {
                var (state, window) = (states[i], (long)subjects[i].Limits.Window.TotalMilliseconds);
                entries[subjects[i].Key] = state with { N = state.N + 1, ExpiresAt = Math.Max(state.ExpiresAt, state.Start + window) };
            }

            if (entries.Count > sweepAt)
            {
                Sweep(now);
            }

            return TimeSpan.Zero;
        }
    }

    public void Succeeded(string account, string address)
    {
        var now = Now();
        lock (gate)
        {
            entries.Remove("account:" + account);
            if (entries.TryGetValue("address:" + address, out var state) && state.ExpiresAt > now && state.N > 0)
            {
                entries["address:" + address] = state with { N = state.N - 1 };
            }
        }
    }

    private long Now() => (long)time.GetElapsedTime(origin).TotalMilliseconds;

    private void Sweep(long now)
    {
        foreach (var (key, state) in entries)
        {
            if (state.ExpiresAt <= now)
            {
                entries.Remove(key);
            }
        }

        sweepAt = Math.Max(SweepAbove, entries.Count * 2);
    }

    // N attempts since Start; Strikes locks so far; locked until Until; forgotten at ExpiresAt (ms since origin).
    private readonly record struct Entry(int N, long Start, int Strikes, long Until, long ExpiresAt);
}
