namespace AspireScale.AppHost.Processes;

// <data>/apphost.pid: the AppHost and every child it started, each as "pid starttime" (the start time tells a reused pid
// apart). A crashed run leaves it behind and the next start kills what is still alive from it.
public sealed class ProcessTracker(string dataDirectory)
{
    private readonly string _file = Path.Combine(dataDirectory, "apphost.pid");
    private readonly HashSet<int> _children = [];
    private readonly Lock _gate = new();

    private static readonly HashSet<string> OurKinds = ["postgres", "beam.smp", "epmd", "redis-server", "dotnet", "initdb", "pg_basebackup"];

    public void CleanLeftovers()
    {
        var self = Environment.ProcessId;
        if (File.Exists(_file))
        {
            var entries = File.ReadAllLines(_file).Select(ParseEntry).OfType<(int Pid, long StartTime)>().ToList();
            if (entries.Count > 0 && entries[0].Pid != self && StartTimeOf(entries[0].Pid) == entries[0].StartTime)
            {
                throw new InvalidOperationException(
                    $"Another AppHost (pid {entries[0].Pid}) is running with the data folder {dataDirectory}. Stop it, or use --data.");
            }

            foreach (var (pid, startTime) in entries.Skip(1))
            {
                if (StartTimeOf(pid) == startTime)
                {
                    NativeMethods.Signal(pid, PosixSignalNumber.Kill);
                }
            }
        }

        // Any server of ours still using this data folder whose entry was lost (only our own kinds of process: a shell
        // tailing a log in the folder is left alone). Never the AppHost itself nor an ancestor: `dotnet run -- --data DIR`
        // is a `dotnet` whose command line names the folder, and killing it orphaned the whole topology.
        var spared = ProcessTable.AncestorsOf(self).Append(self).ToHashSet();
        foreach (var pid in ProcessTable.Find(cmdline => cmdline.Contains(dataDirectory, StringComparison.Ordinal)))
        {
            if (!spared.Contains(pid) && OurKinds.Contains(ProcessTable.NameOf(pid)))
            {
                NativeMethods.Signal(pid, PosixSignalNumber.Kill);
            }
        }

        Save();
    }

    public void Remember(int pid)
    {
        lock (_gate)
        {
            _children.Add(pid);
            Save();
        }
    }

    public void Forget(int pid)
    {
        lock (_gate)
        {
            _children.Remove(pid);
            Save();
        }
    }

    public void Delete() => File.Delete(_file);

    private void Save()
    {
        lock (_gate)
        {
            var lines = new[] { Environment.ProcessId }.Concat(_children).Select(pid => $"{pid} {StartTimeOf(pid)}");
            var temp = _file + ".tmp";
            File.WriteAllLines(temp, lines);
            File.Move(temp, _file, overwrite: true);
        }
    }

    private static (int, long)? ParseEntry(string line)
    {
        var parts = line.Split(' ');
        return parts.Length == 2 && int.TryParse(parts[0], out var pid) && long.TryParse(parts[1], out var start) ? (pid, start) : null;
    }

    private static long StartTimeOf(int pid) => ProcessTable.StartTime(pid) ?? -1;
}
