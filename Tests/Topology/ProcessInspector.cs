using System.Diagnostics;
using System.Text.RegularExpressions;

namespace AspireScale.Tests.Topology;

// What is alive on this machine, from /proc and ss: the ground truth for "nothing left behind" and "loopback only".
internal static partial class ProcessInspector
{
    public static bool IsAlive(int pid)
    {
        try
        {
            // A zombie has exited; it only waits for its parent to read its status.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    // Every process below `root` in the process tree (PostgreSQL's backends and Erlang's helpers included, whose own
    // command lines name no data folder), from the parent pids in /proc.
    public static IReadOnlyList<int> DescendantsOf(int root)
    {
        var parents = Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => int.TryParse(name, out _))
            .Select(name => (Pid: int.Parse(name!), Parent: ParentOf(name!)))
            .ToList();
        var found = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out var current))
        {
            foreach (var (pid, _) in parents.Where(p => p.Parent == current))
            {
                found.Add(pid);
                frontier.Enqueue(pid);
            }
        }

        return found;
    }

    // Everything an AppHost started: its own descendants, and the orchestrator (DCP), which Aspire launches detached,
    // with the resources DCP runs; DCP names the AppHost it serves on its command line (`--monitor <pid>`).
    public static IReadOnlyList<int> StartedBy(int root)
    {
        var tree = DescendantsOf(root).Prepend(root).ToHashSet();
        var orchestrators = Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => int.TryParse(name, out _))
            .Select(name => (Pid: int.Parse(name!), Arguments: ReadCommandLine(name!).Split(' ')))
            .Where(p => p.Arguments.Select((argument, i) => argument == "--monitor" && i + 1 < p.Arguments.Length
                && int.TryParse(p.Arguments[i + 1], out var monitored) && tree.Contains(monitored)).Any(match => match))
            .Select(p => p.Pid)
            .ToList();
        return [.. tree.Where(pid => pid != root).Concat(orchestrators).Concat(orchestrators.SelectMany(DescendantsOf)).Distinct()];
    }

    // "pid: command line" for each pid still alive, so a failure names what was left behind.
    public static IReadOnlyList<string> StillAlive(IEnumerable<int> pids) =>
        [.. pids.Where(IsAlive).Select(pid => $"{pid}: {ReadCommandLine(pid.ToString(System.Globalization.CultureInfo.InvariantCulture))}")];

    // Live processes whose command line mentions the text (a data folder), except zombies.
    public static IReadOnlyList<string> ProcessesMentioning(string text) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => int.TryParse(name, out _))
            .Select(name => (Pid: int.Parse(name!), CommandLine: ReadCommandLine(name!)))
            .Where(p => p.CommandLine.Contains(text, StringComparison.Ordinal) && p.Pid != System.Environment.ProcessId && IsAlive(p.Pid))
            .Select(p => $"{p.Pid}: {p.CommandLine}")];

    public static IReadOnlyDictionary<string, string> Environment(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ")
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0])
            .ToDictionary(g => g.Key, g => g.Last()[1]);

    public static IReadOnlyList<Listener> ListeningSockets()
    {
        using var ss = Process.Start(new ProcessStartInfo("ss", "-Hltnp") { RedirectStandardOutput = true, UseShellExecute = false })!;
        var output = ss.StandardOutput.ReadToEnd();
        ss.WaitForExit();
        var listeners = new List<Listener>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (columns.Length < 6)
            {
                continue;
            }

            var local = columns[3];
            var address = local[..local.LastIndexOf(':')];
            foreach (Match pid in PidPattern().Matches(columns[5]))
            {
                listeners.Add(new Listener(int.Parse(pid.Groups[1].Value), address, local));
            }
        }

        return listeners;
    }

    private static int ParentOf(string pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private static string ReadCommandLine(string pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    [GeneratedRegex(@"pid=(\d+)")]
    private static partial Regex PidPattern();

    public sealed record Listener(int Pid, string Address, string Local);
}
