using AspireScale.AppHost.Processes;
using AspireScale.AppHost.Resources;

namespace AspireScale.AppHost.Supervision;

public sealed record ReplicaDefinition
{
    public required string Resource { get; init; }

    public required string Kind { get; init; }

    public required string Id { get; init; }

    // Called before every start; every replica gets the same port again, so what was given its address still reaches it.
    public required Func<ProcessSpec> CreateSpec { get; init; }

    // A job (migrations): runs once, is not restarted, is done when it exits 0.
    public bool RunToCompletion { get; init; }

    // Idempotent preparation before every start (initdb, pg_basebackup, config files).
    public Func<CancellationToken, Task>? BeforeStart { get; init; }

    // Runs once the probe first passes after each start, before "healthy" is published (create roles and databases).
    public Func<CancellationToken, Task>? AfterHealthy { get; init; }
}

// Keeps one replica alive: start, probe, restart with backoff when it dies, publish every state change.
public sealed class ReplicaSupervisor(
    ReplicaDefinition definition,
    ProcessLauncher launcher,
    ResourceNotifications notifications,
    TimeProvider time,
    ReplicaLog log,
    Action<string, string> consoleErrorLine,
    HealthTiming? timing = null) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly HealthTiming _timing = timing ?? HealthTiming.Default;
    private RunningProcess? _current;
    private Task _run = Task.CompletedTask;

    public ReplicaDefinition Definition => definition;

    public void Start() => _run = Task.Run(() => RunAsync(_stopping.Token));

    // Stops supervising, then stops the process: graceful signal, wait, kill the tree.
    public async Task StopAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
        }

        if (_current is { } process)
        {
            await process.StopAsync();
        }

        // A job that already finished keeps its outcome.
        notifications.Update(definition.Id, s => s.State is ReplicaState.Exited or ReplicaState.Failed && definition.RunToCompletion
            ? s
            : s with { State = ReplicaState.Stopped, Health = ReplicaHealth.Unknown });
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var backoff = RestartBackoff.Default();
        var restarts = 0;
        while (!stopping.IsCancellationRequested)
        {
            Publish(s => s with { State = restarts == 0 ? ReplicaState.Starting : ReplicaState.Restarting, Health = ReplicaHealth.Unknown, Pid = null });
            RunningProcess process;
            try
            {
                if (definition.BeforeStart is { } prepare)
                {
                    await prepare(stopping);
                }

                var spec = definition.CreateSpec();
                process = await launcher.StartAsync(spec, log);
                _current = process;
                Publish(s => s with { State = ReplicaState.Running, Pid = process.Pid, Endpoint = spec.Endpoint ?? s.Endpoint });
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                log.Write($"---- could not start: {ex.Message}");
                consoleErrorLine(definition.Id, $"could not start: {ex.Message}");
                restarts++;
                Publish(s => s with { State = ReplicaState.Failed, Restarts = restarts });
                await Task.Delay(backoff.NextDelay(), time, stopping);
                continue;
            }

            using var processGone = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            var monitor = MonitorHealthAsync(process, backoff, processGone.Token);
            int exitCode;
            try
            {
                exitCode = await process.Completion.WaitAsync(stopping);
            }
            finally
            {
                await processGone.CancelAsync();
                await monitor;
            }

            if (definition.RunToCompletion)
            {
                Publish(s => s with { State = exitCode == 0 ? ReplicaState.Exited : ReplicaState.Failed, Health = ReplicaHealth.Unknown, ExitCode = exitCode });
                return;
            }

            restarts++;
            var delay = backoff.NextDelay();
            log.Write($"---- exited with code {exitCode}; restarting in {delay.TotalSeconds:0.0}s");
            Publish(s => s with { State = ReplicaState.Restarting, Health = ReplicaHealth.Unhealthy, ExitCode = exitCode, Restarts = restarts, Pid = null });
            await Task.Delay(delay, time, stopping);
        }
    }

    // Probes often until the first pass (startup time matters), then at a steady pace; the first pass resets the backoff.
    private async Task MonitorHealthAsync(RunningProcess process, RestartBackoff backoff, CancellationToken processGone)
    {
        if (process.Spec.Health is not { } probe)
        {
            return;
        }

        var prepared = false;
        try
        {
            while (!processGone.IsCancellationRequested)
            {
                var healthy = await ProbeAsync(probe, prepared ? _timing.Timeout : _timing.StartupTimeout, processGone);
                if (healthy && !prepared && definition.AfterHealthy is { } afterHealthy)
                {
                    try
                    {
                        await afterHealthy(processGone);
                        prepared = true;
                    }
                    catch (Exception ex) when (!processGone.IsCancellationRequested)
                    {
                        log.Write($"---- post-start step failed: {ex.Message}");
                        healthy = false;
                    }
                }

                if (healthy)
                {
                    prepared = true;
                    backoff.Reset();
                }

                var current = notifications.Get(definition.Id);
                if (current?.Health == ReplicaHealth.Healthy || healthy)
                {
                    Publish(s => s with { Health = healthy ? ReplicaHealth.Healthy : ReplicaHealth.Unhealthy });
                }

                await Task.Delay(prepared ? _timing.Interval : _timing.StartupInterval, time, processGone);
            }
        }
        catch (Exception) when (processGone.IsCancellationRequested)
        {
            // The process is gone (or we are stopping) mid-probe or mid-step: whatever that threw (a client library may
            // report a cancelled connect as its own exception) must not end the supervisor's restart loop.
        }
    }

    private async Task<bool> ProbeAsync(IHealthProbe probe, TimeSpan limit, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            return await probe.CheckAsync(timeout.Token);
        }
        catch (Exception)
        {
            // Failed, timed out or cancelled: not healthy. The caller checks its own token.
            return false;
        }
    }

    private void Publish(Func<ReplicaSnapshot, ReplicaSnapshot> change) => notifications.Update(definition.Id, change);
}

// A cold .NET service answers its first /health slowly (JIT, EF model, first connections): cutting that probe short
// cancels the check inside the service and costs a whole round, so the first probes get more time than later ones.
public sealed record HealthTiming(TimeSpan StartupInterval, TimeSpan Interval, TimeSpan StartupTimeout, TimeSpan Timeout)
{
    public static HealthTiming Default { get; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5));
}
