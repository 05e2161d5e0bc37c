using Npgsql;

namespace AspireScale.Bench.Chaos;

// One run: set up, load (with its fault), let the Worker drain, read the primary back, judge.
public sealed record ChaosReport(
    string Fault, double Rate, double Seconds, double? FaultAtSeconds, Timeline Timeline, Verdict Verdict, bool WorkerDrained,
    IReadOnlyCollection<string> Failures,
    SurgePhases? Surge = null, IReadOnlyList<SecondOfAnswers>? PerSecond = null)
{
    public double ServedPerSecond => Timeline.Succeeded / Seconds;

    public static async Task<ChaosReport> RunAsync(LoadOptions options, string primaryConnectionString, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            // Every request gets an answer or gives up within this: no request waits forever.
            Timeout = TimeSpan.FromSeconds(10),
        };
        await using var primary = NpgsqlDataSource.Create(primaryConnectionString);
        var load = new ChaosLoad(options, http);
        await load.SetUpAsync(cancellationToken);
        await load.RunAsync(cancellationToken);
        var drained = await Primary.WaitForWorkerAsync(primary, TimeSpan.FromMinutes(3), cancellationToken);
        var state = await Primary.ReadAsync(primary, load.Ledger, load.Usernames, cancellationToken);
        return new ChaosReport(
            options.Fault?.Name ?? "none", options.Rate, options.Duration.TotalSeconds, load.FaultAt?.TotalSeconds,
            Timeline.Of(load.Ledger.Answers, load.FaultAt), Verdict.Of(load.Ledger, state), drained, load.Ledger.Failures,
            options.Surge is { } surge ? SurgePhases.Of(load.Ledger.Answers, surge) : null, Timeline.PerSecond(load.Ledger.Answers));
    }
}

// Before, during and after an overload: what was served and how fast, and how long after it the answers were normal.
public sealed record SurgePhases(Timeline Before, Timeline During, Timeline After)
{
    public static SurgePhases Of(IReadOnlyCollection<Answer> answers, Surge surge)
    {
        var end = surge.At + surge.For;
        return new SurgePhases(
            Timeline.Of(answers.Where(a => a.At < surge.At), faultAt: null),
            Timeline.Of(answers.Where(a => a.At >= surge.At && a.At < end), faultAt: null),
            Timeline.Of(answers.Where(a => a.At >= end), faultAt: end));
    }
}
