using System.Collections.Concurrent;
using System.Diagnostics;

namespace AspireScale.AppHost.Processes;

// Starts every child from ONE long-lived thread. Each child runs under `setpriv --pdeathsig KILL`, and Linux sends that
// signal when the *thread* that forked the child exits: a thread-pool thread may retire at any time, this one lives as long
// as the AppHost, so an AppHost killed with SIGKILL takes its children with it. `setsid` puts each child in its own
// session so a terminal's Ctrl+C reaches only the AppHost, which then stops them in order.
public sealed class ProcessLauncher
{
    private readonly BlockingCollection<Action> _requests = [];
    private readonly string _setpriv = Binaries.Find("setpriv", "util-linux");
    private readonly string _setsid = Binaries.Find("setsid", "util-linux");
    private readonly ProcessTracker _tracker;
    private readonly Action<string, string> _consoleErrorLine;

    public ProcessLauncher(ProcessTracker tracker, Action<string, string> consoleErrorLine)
    {
        _tracker = tracker;
        _consoleErrorLine = consoleErrorLine;

        var thread = new Thread(() =>
        {
            foreach (var request in _requests.GetConsumingEnumerable())
            {
                request();
            }
        })
        {
            IsBackground = true,
            Name = "process-launcher",
        };
        thread.Start();
    }

    public Task<RunningProcess> StartAsync(ProcessSpec spec, ReplicaLog log)
    {
        var started = new TaskCompletionSource<RunningProcess>(TaskCreationOptions.RunContinuationsAsynchronously);
        _requests.Add(() =>
        {
            try
            {
                started.SetResult(Start(spec, log));
            }
            catch (Exception ex)
            {
                started.SetException(ex);
            }
        });
        return started.Task;
    }

    // Runs a one-shot command (initdb, pg_basebackup, chown) to completion; its output goes to the resource's log.
    public async Task RunToCompletionAsync(ProcessSpec spec, ReplicaLog log, CancellationToken cancellationToken)
    {
        await using var process = await StartAsync(spec, log);
        int exitCode;
        try
        {
            exitCode = await process.Completion.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await process.StopAsync();
            throw;
        }

        if (exitCode != 0)
        {
            throw new InvalidOperationException($"'{spec.CommandLine}' exited with code {exitCode}; see {log.Path}.");
        }
    }

    private RunningProcess Start(ProcessSpec spec, ReplicaLog log)
    {
        var startInfo = new ProcessStartInfo(_setpriv)
        {
            WorkingDirectory = spec.WorkingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // setpriv changes the user first and sets the death signal last (a uid change clears it), then execs setsid,
        // which execs the command: the pid we get is the command's own pid.
        startInfo.ArgumentList.Add("--pdeathsig");
        startInfo.ArgumentList.Add("KILL");
        if (spec.RunAsUser is { } user)
        {
            startInfo.ArgumentList.Add($"--reuid={user}");
            startInfo.ArgumentList.Add($"--regid={user}");
            startInfo.ArgumentList.Add("--init-groups");
        }

        startInfo.ArgumentList.Add("--");
        startInfo.ArgumentList.Add(_setsid);
        startInfo.ArgumentList.Add(spec.FileName);
        foreach (var argument in spec.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in spec.Environment)
        {
            startInfo.Environment[name] = value;
        }

        log.Write($"---- {DateTimeOffset.UtcNow:O} starting: {spec.CommandLine}");
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var running = new RunningProcess(spec, process, log, line =>
        {
            if (spec.IsConsoleWorthy(line))
            {
                _consoleErrorLine(spec.Id, line);
            }
        }, _tracker);
        process.Start();
        running.Attach();
        return running;
    }
}
