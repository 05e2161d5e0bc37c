using System.Data.Common;
using System.Globalization;
using AspireScale.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace AspireScale.Bench.Techniques;

internal static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    // Nearest-rank percentile of an already sorted array.
    public static double Percentile(double[] sorted, double percentile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    public static string F(double value, string format = "0.0") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Ratio(double value) => double.IsFinite(value) ? value.ToString(value >= 10 ? "0" : "0.00", CultureInfo.InvariantCulture) + "x" : "n/a";
}

internal static class Markdown
{
    public static void Table(string title, string[] header, IEnumerable<string[]> rows)
    {
        Console.WriteLine($"### {title}");
        Console.WriteLine();
        Console.WriteLine($"| {string.Join(" | ", header)} |");
        Console.WriteLine($"|{string.Join("|", header.Select((_, i) => i == 0 ? "---" : "---:"))}|");
        foreach (var row in rows)
        {
            Console.WriteLine($"| {string.Join(" | ", row)} |");
        }

        Console.WriteLine();
    }
}

// Counts every command EF Core sends, to report commands per page next to the time.
internal sealed class CommandCounter : DbCommandInterceptor
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Interlocked.Increment(ref _count);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _count);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Interlocked.Increment(ref _count);
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _count);
        return ValueTask.FromResult(result);
    }
}

// The seeded database as the benchmarks see it: a signed-in viewer who follows and favorites a lot, slugs to look up,
// and the server's connection limits for the pool-size arithmetic.
internal sealed record BenchDatabase(string ConnectionString, long Viewer, string[] Slugs, int Articles, int MaxConnections, int ReservedConnections, string ServerVersion)
{
    // The same EF options the Api's AddPooledNpgsqlDbContext gives the primary context (retries, 30 s command timeout).
    public static void Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql.EnableRetryOnFailure(6).CommandTimeout(30));

    public static async Task<BenchDatabase> OpenAsync(string connectionString)
    {
        var builder = new DbContextOptionsBuilder<ConduitDbContext>();
        Configure(builder, connectionString);
        await using var db = new ConduitDbContext(builder.Options);

        // The seeded user who follows the most authors (ties: the lowest id), so "following" and "favorited" vary.
        var viewer = await db.Follows.GroupBy(f => f.FollowerId)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Select(g => g.Key).FirstAsync();
        var slugs = await db.Articles.OrderBy(a => a.Id).Select(a => a.Slug).Take(2000).ToArrayAsync();
        var articles = await db.Articles.CountAsync();
        if (articles < 1000)
        {
            throw new InvalidOperationException($"only {articles} articles: seed the database first (bench/seed/seed.sh)");
        }

        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        async Task<string> Show(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) ?? "";
        }

        return new BenchDatabase(
            connectionString,
            viewer,
            slugs,
            articles,
            int.Parse(await Show("SHOW max_connections"), CultureInfo.InvariantCulture),
            int.Parse(await Show("SHOW superuser_reserved_connections"), CultureInfo.InvariantCulture),
            await Show("SHOW server_version"));
    }
}

// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID): time slices lost to other processes on a shared machine are
// not counted, unlike a wall clock's. With the workstation GC a gen0 collection runs on the allocating thread, so its
// cost is in it too.
internal static class ThreadCpu
{
    private const int ClockThreadCpuTimeId = 3;

    public static double Nanoseconds()
    {
        if (NativeMethods.clock_gettime(ClockThreadCpuTimeId, out var time) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        }

        return (time.Seconds * 1e9) + time.Nanoseconds;
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    internal struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static class NativeMethods
    {
        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
        [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
        public static extern int clock_gettime(int clock, out TimeSpec time);
    }
}

// CPU time spent by this process plus the PostgreSQL primary's whole process tree (postmaster, backends, and through
// cutime/cstime the backends that have exited), from /proc. On a machine shared with other work the wall clock says how
// long something waited for a core; this says what it cost, which other processes hardly change.
internal static class CpuMeter
{
    // /proc reports in USER_HZ, which the kernel ABI fixes at 100 on Linux.
    private const double MillisecondsPerTick = 10;

    private static readonly int? PostgresPid =
        int.TryParse(Environment.GetEnvironmentVariable("TECHNIQUES_POSTGRES_PID"), CultureInfo.InvariantCulture, out var pid) ? pid : null;

    public static bool SeesServer => PostgresPid is not null;

    // Milliseconds of CPU so far: this process, and the server's tree when its pid is known.
    public static double TotalMilliseconds()
    {
        var ticks = Ticks(Environment.ProcessId, includeChildren: false) ?? 0;
        if (PostgresPid is { } root)
        {
            var children = new Dictionary<int, List<int>>();
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid) && Stat(pid) is { } stat)
                {
                    var parent = int.Parse(stat[1], CultureInfo.InvariantCulture);
                    if (!children.TryGetValue(parent, out var list))
                    {
                        children[parent] = list = [];
                    }

                    list.Add(pid);
                }
            }

            var pending = new Stack<int>([root]);
            while (pending.TryPop(out var pid))
            {
                ticks += Ticks(pid, includeChildren: true) ?? 0;
                foreach (var child in children.GetValueOrDefault(pid) ?? [])
                {
                    pending.Push(child);
                }
            }
        }

        return ticks * MillisecondsPerTick;
    }

    private static long? Ticks(int pid, bool includeChildren)
    {
        if (Stat(pid) is not { } stat)
        {
            return null;
        }

        // Fields 14-17 of /proc/<pid>/stat: utime, stime, cutime, cstime (index = field - 3 after the command name).
        long Field(int field) => long.Parse(stat[field - 3], CultureInfo.InvariantCulture);
        return Field(14) + Field(15) + (includeChildren ? Field(16) + Field(17) : 0);
    }

    // The fields after "(comm)", which may itself contain spaces or parentheses; null when the process is gone.
    private static string[]? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
