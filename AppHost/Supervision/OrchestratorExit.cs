using System.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace AspireScale.AppHost.Supervision;

// DCP, the orchestrator Aspire starts detached, stops every resource before the AppHost returns (WaitForResourceCleanup),
// then it and its controllers exit on their own a moment later. Waiting for them too means that once the AppHost has
// exited nothing it started is running: a script or test may start the next one straight away. The processes are noted
// when stopping begins, while DCP still runs: by the time Run returns its server may be gone and its controllers
// orphaned. DCP names the AppHost it serves on its command line (`start-apiserver --monitor <pid>`); its controllers run
// as its children. Linux only (/proc); elsewhere a no-op.
public sealed class OrchestratorExit
{
    private readonly List<int> _pids = [];

    private OrchestratorExit()
    {
    }

    public static OrchestratorExit NoteWhenStopping(IHostApplicationLifetime lifetime)
    {
        var exit = new OrchestratorExit();
        if (OperatingSystem.IsLinux())
        {
            lifetime.ApplicationStopping.Register(() => exit._pids.AddRange(OrchestratorProcesses()));
        }

        return exit;
    }

    public void Wait(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (_pids.Any(IsRunning) && deadline.Elapsed < timeout)
        {
            Thread.Sleep(50);
        }
    }

    private static IEnumerable<int> OrchestratorProcesses()
    {
        var self = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var all = Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).OfType<string>()
            .Where(name => name.All(char.IsAsciiDigit))
            .Select(name => (Pid: int.Parse(name, System.Globalization.CultureInfo.InvariantCulture), Arguments: Read($"/proc/{name}/cmdline").Split('\0'), Parent: ParentOf(name)))
            .ToList();
        var servers = all.Where(p => p.Arguments.Zip(p.Arguments.Skip(1)).Any(pair => pair is ("--monitor", var pid) && pid == self)).Select(p => p.Pid).ToHashSet();
        return [.. all.Where(p => servers.Contains(p.Pid) || servers.Contains(p.Parent)).Select(p => p.Pid)];
    }

    // Alive and not a zombie (a zombie has exited and only waits for its parent to read its status).
    private static bool IsRunning(int pid)
    {
        var stat = Read($"/proc/{pid}/stat");
        return stat.Length > 0 && stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
    }

    private static int ParentOf(string pid)
    {
        var stat = Read($"/proc/{pid}/stat");
        var fields = stat.Length == 0 ? [] : stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 1 && int.TryParse(fields[1], out var parent) ? parent : -1;
    }

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}
