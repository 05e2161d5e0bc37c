using AspireScale.AppHost.Resources;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace AspireScale.AppHost.Console;

// What the person at the terminal sees: a live table of every replica (state, pid, endpoint, health, restarts) with the
// latest error lines under it. When stdout is not a terminal (tests, CI) it prints one line per state change instead.
// Either way the `ready: <url>` line is printed exactly once, on stdout.
public sealed class ConsoleView : IAsyncDisposable
{
    private const int ErrorLinesShown = 8;

    private readonly ResourceNotifications _notifications;
    private readonly bool _live;
    private readonly Lock _gate = new();
    private readonly Queue<(string Text, bool IsError)> _recentLines = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _changed = new(0);
    private Task _liveLoop = Task.CompletedTask;
    private string? _readyLine;

    public ConsoleView(ResourceNotifications notifications)
    {
        _notifications = notifications;
        _live = !System.Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        _notifications.Changed += OnChanged;
        if (_live)
        {
            _liveLoop = Task.Run(RunLiveAsync);
        }
    }

    public void ErrorLine(string replicaId, string line)
    {
        var text = $"[{replicaId}] {line}";
        lock (_gate)
        {
            if (_live)
            {
                Remember(text, isError: true);
            }
            else
            {
                System.Console.Error.WriteLine(text);
            }
        }

        Signal();
    }

    public void Ready(string url)
    {
        lock (_gate)
        {
            _readyLine = $"ready: {url}";
            if (!_live)
            {
                System.Console.Out.WriteLine(_readyLine);
                System.Console.Out.Flush();
            }
        }

        Signal();
    }

    public void Message(string text)
    {
        lock (_gate)
        {
            if (_live)
            {
                Remember(text, isError: false);
            }
            else
            {
                System.Console.Out.WriteLine($"{DateTime.Now:HH:mm:ss} {text}");
            }
        }

        Signal();
    }

    public async ValueTask DisposeAsync()
    {
        _notifications.Changed -= OnChanged;
        await _stop.CancelAsync();
        Signal();
        await _liveLoop;
        if (_live && _readyLine is not null)
        {
            // The live table is gone; leave the line behind for the scrollback.
            System.Console.Out.WriteLine(_readyLine);
        }

        _stop.Dispose();
    }

    private void OnChanged(ReplicaSnapshot s)
    {
        if (!_live)
        {
            var line = $"{DateTime.Now:HH:mm:ss} {s.Id,-18} {Name(s.State),-10} {Name(s.Health),-9} pid={s.Pid?.ToString() ?? "-",-7} restarts={s.Restarts} {s.Endpoint}";
            lock (_gate)
            {
                System.Console.Out.WriteLine(line.TrimEnd());
            }
        }

        Signal();
    }

    private void Remember(string text, bool isError)
    {
        _recentLines.Enqueue((text, isError));
        while (_recentLines.Count > ErrorLinesShown)
        {
            _recentLines.Dequeue();
        }
    }

    private void Signal()
    {
        if (_live && _changed.CurrentCount == 0)
        {
            _changed.Release();
        }
    }

    private async Task RunLiveAsync()
    {
        await AnsiConsole.Live(Render()).AutoClear(false).StartAsync(async live =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await _changed.WaitAsync(TimeSpan.FromSeconds(1), _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }

                live.UpdateTarget(Render());
            }
        });
    }

    private IRenderable Render()
    {
        var table = new Table().RoundedBorder().Title("AspireScale")
            .AddColumns("Resource", "Replica", "State", "Pid", "Endpoint", "Health", "Restarts");
        foreach (var s in _notifications.Snapshot())
        {
            table.AddRow(
                Markup.Escape(s.Resource),
                Markup.Escape(s.Id),
                $"[{StateColor(s.State)}]{Name(s.State)}[/]",
                s.Pid?.ToString() ?? "",
                Markup.Escape(s.Endpoint ?? ""),
                $"[{HealthColor(s.Health)}]{Name(s.Health)}[/]",
                s.Restarts.ToString());
        }

        lock (_gate)
        {
            var rows = new List<IRenderable> { table };
            rows.Add(_readyLine is null ? new Markup("[grey]starting...[/]") : new Markup($"[green bold]{Markup.Escape(_readyLine)}[/]"));
            rows.AddRange(_recentLines.Select(l => new Markup($"[{(l.IsError ? "red" : "grey")}]{Markup.Escape(l.Text)}[/]")));
            return new Rows(rows);
        }
    }

    private static string StateColor(ReplicaState state) => state switch
    {
        ReplicaState.Running or ReplicaState.Exited => "green",
        ReplicaState.Failed => "red",
        ReplicaState.Restarting or ReplicaState.Starting => "yellow",
        _ => "grey",
    };

    private static string HealthColor(ReplicaHealth health) => health switch
    {
        ReplicaHealth.Healthy => "green",
        ReplicaHealth.Unhealthy => "red",
        _ => "grey",
    };

    private static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
