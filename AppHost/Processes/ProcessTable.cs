namespace AspireScale.AppHost.Processes;

// Reads /proc: who is alive, who is whose child, what each was started with.
public static class ProcessTable
{
    public static IEnumerable<int> AllPids() =>
        Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Select(n => int.TryParse(n, out var pid) ? pid : 0).Where(pid => pid > 0);

    public static IEnumerable<int> Find(Func<string, bool> cmdlineMatches) =>
        AllPids().Where(pid => Read($"/proc/{pid}/cmdline")?.Replace('\0', ' ') is { } cmdline && cmdlineMatches(cmdline)).ToList();

    // Field 22 of /proc/<pid>/stat, in clock ticks since boot; null when the process is gone or a zombie.
    public static long? StartTime(int pid)
    {
        var fields = StatFields(pid);
        return fields is not null && fields[0] != "Z" && long.TryParse(fields[19], out var start) ? start : null;
    }

    public static string NameOf(int pid) => Read($"/proc/{pid}/comm")?.Trim() ?? "";

    public static int? ParentOf(int pid) => StatFields(pid) is { } fields && int.TryParse(fields[1], out var ppid) ? ppid : null;

    // The parent, its parent, ... up to init.
    public static IEnumerable<int> AncestorsOf(int pid)
    {
        for (var parent = ParentOf(pid); parent is > 0; parent = ParentOf(parent.Value))
        {
            yield return parent.Value;
        }
    }

    public static IReadOnlyList<int> DescendantsOf(int root)
    {
        var parents = AllPids().Select(pid => (pid, parent: ParentOf(pid))).Where(p => p.parent is not null).ToList();
        var result = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out var current))
        {
            foreach (var (pid, _) in parents.Where(p => p.parent == current))
            {
                result.Add(pid);
                frontier.Enqueue(pid);
            }
        }

        return result;
    }

    // The fields after "(comm)", which may itself hold spaces: [0] = state, [1] = ppid, ... [19] = starttime.
    private static string[]? StatFields(int pid)
    {
        var stat = Read($"/proc/{pid}/stat");
        var close = stat?.LastIndexOf(')') ?? -1;
        return close < 0 ? null : stat![(close + 2)..].Split(' ');
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
