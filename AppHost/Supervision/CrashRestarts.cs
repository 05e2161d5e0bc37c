using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace AspireScale.AppHost.Supervision;

// What DCP lacks: a long-running resource that exits on its own (a crashed API replica, Worker or server) is started
// again, after 1 s, 2 s, 4 s ... up to 30 s, never in a tight loop; the delay starts over once the resource has been
// healthy for 30 s. Driven by Aspire's resource notifications and its own start command, so the dashboard shows each
// restart. Only resources marked WithRestartOnCrash(); migrations run to completion and are left alone.
internal sealed partial class CrashRestarts(
    DistributedApplicationModel model,
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<CrashRestarts> logger)
{
    private readonly ConcurrentDictionary<string, Replica> _replicas = new();

    public void Start() => _ = Task.Run(() => WatchAsync(lifetime.ApplicationStopping));

    // How many times this replica (a DCP resource id) has been started again, for apphost.json.
    public int RestartsOf(string resourceId) => _replicas.TryGetValue(resourceId, out var replica) ? replica.Restarts : 0;

    private async Task WatchAsync(CancellationToken stopping)
    {
        var supervised = model.Resources.Where(r => r.Annotations.OfType<RestartOnCrashAnnotation>().Any()).ToHashSet();
        try
        {
            await foreach (var change in notifications.WatchAsync(stopping))
            {
                if (!supervised.Contains(change.Resource))
                {
                    continue;
                }

                var replica = _replicas.GetOrAdd(change.ResourceId, _ => new Replica());
                var state = change.Snapshot.State?.Text;
                if (state == KnownResourceStates.Running && change.Snapshot.HealthStatus is HealthStatus.Healthy)
                {
                    replica.HealthySince ??= time.GetUtcNow();
                }
                else if (state is "Exited" or "Finished" or "FailedToStart" && replica.WasStarted && !replica.Restarting && !stopping.IsCancellationRequested)
                {
                    replica.Restarting = true;
                    _ = RestartAsync(change.ResourceId, replica, change.Snapshot.ExitCode, stopping);
                }

                replica.WasStarted |= state == KnownResourceStates.Running;
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task RestartAsync(string resourceId, Replica replica, int? exitCode, CancellationToken stopping)
    {
        var delay = RestartDelay.Next(replica.ConsecutiveCrashes, replica.HealthySince, time.GetUtcNow());
        replica.ConsecutiveCrashes = delay.ConsecutiveCrashes;
        replica.HealthySince = null;
        LogRestarting(logger, resourceId, exitCode, delay.Wait.TotalSeconds, delay.ConsecutiveCrashes);
        try
        {
            await Task.Delay(delay.Wait, time, stopping);
            var result = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, stopping);
            replica.Restarts += result.Success ? 1 : 0;
            if (!result.Success)
            {
                LogRestartFailed(logger, resourceId, result.Message);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            replica.Restarting = false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} exited (code {ExitCode}); starting it again in {Seconds} s (crash {Crashes} in a row)")]
    private static partial void LogRestarting(ILogger logger, string resource, int? exitCode, double seconds, int crashes);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Resource} could not be started again: {Reason}")]
    private static partial void LogRestartFailed(ILogger logger, string resource, string? reason);

    private sealed class Replica
    {
        public bool WasStarted { get; set; }

        public bool Restarting { get; set; }

        public int ConsecutiveCrashes { get; set; }

        public int Restarts { get; set; }

        public DateTimeOffset? HealthySince { get; set; }
    }
}

// The pure part: how long to wait before the next start.
public static class RestartDelay
{
    public static readonly TimeSpan First = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Cap = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan HealthyResetsAfter = TimeSpan.FromSeconds(30);

    public static (TimeSpan Wait, int ConsecutiveCrashes) Next(int consecutiveCrashes, DateTimeOffset? healthySince, DateTimeOffset now)
    {
        var crashes = healthySince is { } since && now - since >= HealthyResetsAfter ? 1 : consecutiveCrashes + 1;
        var wait = TimeSpan.FromTicks(Math.Min(Cap.Ticks, First.Ticks * (1L << Math.Min(crashes - 1, 20))));
        return (wait, crashes);
    }
}

public sealed class RestartOnCrashAnnotation : IResourceAnnotation;

public static class CrashRestartExtensions
{
    public static IResourceBuilder<T> WithRestartOnCrash<T>(this IResourceBuilder<T> builder) where T : IResource =>
        builder.WithAnnotation(new RestartOnCrashAnnotation());

    public static IDistributedApplicationBuilder AddCrashRestarts(this IDistributedApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CrashRestarts>();
        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            e.Services.GetRequiredService<CrashRestarts>().Start();
            return Task.CompletedTask;
        });
        return builder;
    }
}
