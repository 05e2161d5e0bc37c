namespace AspireScale.Bench.Chaos;

// The answers over time: how many failed, the longest stretch without a single success, and how long after the fault
// the answers were back to normal (every one-second window from then on at least 99 % successful).
public sealed record Timeline(
    int Sent,
    int Succeeded,
    int Shed,
    int ServerErrors,
    int ClientErrors,
    int TransportErrors,
    int Timeouts,
    double FailedPercent,
    double LongestGapMs,
    double? RecoveredAfterSeconds,
    double ServedP50Ms,
    double ServedP99Ms)
{
    public const double NormalSuccessShare = 0.99;

    public static Timeline Of(IEnumerable<Answer> recorded, TimeSpan? faultAt)
    {
        var answers = recorded.OrderBy(a => a.At).ToArray();
        int Count(Outcome outcome) => answers.Count(a => a.Outcome == outcome);
        var succeeded = Count(Outcome.Success);
        var served = answers.Where(a => a.Outcome == Outcome.Success).Select(a => a.Latency.TotalMilliseconds).Order().ToArray();

        var gap = 0.0;
        TimeSpan? previous = answers.Length > 0 ? answers[0].At : null;
        foreach (var answer in answers.Where(a => a.Outcome == Outcome.Success))
        {
            gap = Math.Max(gap, (answer.At - previous!.Value).TotalMilliseconds);
            previous = answer.At;
        }

        if (answers.Length > 0)
        {
            gap = Math.Max(gap, (answers[^1].At - previous!.Value).TotalMilliseconds);
        }

        return new Timeline(
            answers.Length, succeeded, Count(Outcome.Shed), Count(Outcome.ServerError), Count(Outcome.ClientError),
            Count(Outcome.Transport), Count(Outcome.Timeout),
            answers.Length == 0 ? 0 : 100.0 * (answers.Length - succeeded) / answers.Length,
            gap, faultAt is { } at ? RecoveredAfter(answers, at) : null, Percentile(served, 0.50), Percentile(served, 0.99));
    }

    // Each second of the run: what was answered in it, by outcome, and the p99 of what was served (for the charts).
    public static IReadOnlyList<SecondOfAnswers> PerSecond(IEnumerable<Answer> recorded) =>
    [
        .. recorded.GroupBy(a => (int)a.At.TotalSeconds).OrderBy(second => second.Key).Select(second => new SecondOfAnswers(
            second.Key,
            second.Count(a => a.Outcome == Outcome.Success),
            second.Count(a => a.Outcome == Outcome.Shed),
            second.Count(a => a.Outcome is not (Outcome.Success or Outcome.Shed)),
            Percentile([.. second.Where(a => a.Outcome == Outcome.Success).Select(a => a.Latency.TotalMilliseconds).Order()], 0.99))),
    ];

    // Seconds from the fault to the end of the last one-second window below NormalSuccessShare (0 when there was none).
    private static double RecoveredAfter(Answer[] answers, TimeSpan faultAt)
    {
        var recovered = 0.0;
        foreach (var window in answers.Where(a => a.At >= faultAt).GroupBy(a => (int)(a.At - faultAt).TotalSeconds))
        {
            var share = (double)window.Count(a => a.Outcome == Outcome.Success) / window.Count();
            if (share < NormalSuccessShare)
            {
                recovered = Math.Max(recovered, window.Key + 1);
            }
        }

        return recovered;
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}

public sealed record SecondOfAnswers(int Second, int Served, int Shed, int Failed, double ServedP99Ms);
