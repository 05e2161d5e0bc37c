using System.Diagnostics;

namespace AspireScale.AppHost.Processes;

// A started process for its whole life: Completion is its exit code; disposing it stops it (signal, wait, kill the tree).
public sealed class RunningProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ReplicaLog _log;
    private readonly Action<string> _errorLine;
    private readonly ProcessTracker _tracker;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal RunningProcess(ProcessSpec spec, Process process, ReplicaLog log, Action<string> errorLine, ProcessTracker tracker)
    {
        Spec = spec;
        _process = process;
        _log = log;
        _errorLine = errorLine;
        _tracker = tracker;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _log.Write(e.Data);
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _log.Write(e.Data);
                _errorLine(e.Data);
            }
        };
        // Exited fires when the child is reaped, without waiting for its stdout to close (grandchildren may hold it).
        _process.Exited += (_, _) =>
        {
            var code = _process.ExitCode;
            _tracker.Forget(_process.Id);
            _log.Write($"---- {DateTimeOffset.UtcNow:O} exited with code {code}");
            _exited.TrySetResult(code);
        };
    }

    public ProcessSpec Spec { get; }

    public int Pid { get; private set; }

    public Task<int> Completion => _exited.Task;

    internal void Attach()
    {
        Pid = _process.Id;
        _tracker.Remember(Pid);
        if (_exited.Task.IsCompleted)
        {
            // It died before we got here: do not leave it in the pid file.
            _tracker.Forget(Pid);
        }

        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public async Task StopAsync()
    {
        if (!_exited.Task.IsCompleted)
        {
            NativeMethods.Signal(Pid, Spec.StopSignal);
            // Waiting never throws here: a stop that times out must still reach the kill below.
            await Task.WhenAny(_exited.Task, Task.Delay(Spec.StopTimeout));
        }

        KillTree();
        await Task.WhenAny(_exited.Task, Task.Delay(TimeSpan.FromSeconds(5)));
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private void KillTree()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }
}
