namespace AspireScale.Bench.Chaos;

// What the primary holds for the ledger's keys, read once the load has stopped and the Worker has drained.
public sealed record PrimaryState(
    IReadOnlyDictionary<string, int> ArticlesByTitle,
    IReadOnlyDictionary<string, int> CommentsByBody,
    IReadOnlyDictionary<long, int> NotificationsByComment,
    IReadOnlySet<(PairKind Kind, string Username, string Target)> PresentPairs,
    IReadOnlyDictionary<Guid, string> JobStatuses);

// The ledger against the primary: nothing acknowledged lost or applied twice, every accepted job succeeded once.
// Pure, so that each way it can fail is a unit test (Tests/Chaos/VerdictTests.cs).
public sealed record Verdict(
    int AcknowledgedWrites,
    IReadOnlyList<string> Lost,
    IReadOnlyList<string> Duplicated,
    int JobsAccepted,
    IReadOnlyList<string> JobsLost,
    IReadOnlyList<string> JobsNotSucceeded,
    IReadOnlyList<string> StaleReads)
{
    public bool Holds => Lost.Count == 0 && Duplicated.Count == 0 && JobsLost.Count == 0 && JobsNotSucceeded.Count == 0 && StaleReads.Count == 0;

    public static Verdict Of(Ledger ledger, PrimaryState primary)
    {
        List<string> lost = [], duplicated = [], jobsLost = [], jobsNotSucceeded = [];
        foreach (var article in ledger.Articles)
        {
            Count($"article '{article.Title}'", primary.ArticlesByTitle.GetValueOrDefault(article.Title));
        }

        foreach (var comment in ledger.Comments)
        {
            Count($"comment {comment.Id}", primary.CommentsByBody.GetValueOrDefault(comment.Body));
            if (comment.NotifiesAuthor)
            {
                // The Worker's effect of the comment: the article's author is notified exactly once, however often the
                // message was delivered.
                Count($"notification of comment {comment.Id}", primary.NotificationsByComment.GetValueOrDefault(comment.Id));
            }
        }

        foreach (var pair in ledger.Pairs)
        {
            var present = primary.PresentPairs.Contains((pair.Kind, pair.Username, pair.Target));
            if (pair.Present && !present)
            {
                lost.Add($"{pair.Kind} {pair.Username} -> {pair.Target}");
            }
            else if (!pair.Present && present)
            {
                // An acknowledged removal that did not happen is an acknowledged write lost too.
                lost.Add($"removal of {pair.Kind} {pair.Username} -> {pair.Target}");
            }
        }

        foreach (var job in ledger.Jobs)
        {
            if (!primary.JobStatuses.TryGetValue(job, out var status))
            {
                jobsLost.Add($"job {job}");
            }
            else if (status != "succeeded")
            {
                jobsNotSucceeded.Add($"job {job} is {status}");
            }
        }

        return new Verdict(
            ledger.Articles.Count + ledger.Comments.Count + ledger.Pairs.Count,
            lost, duplicated, ledger.Jobs.Count, jobsLost, jobsNotSucceeded, [.. ledger.StaleReads]);

        void Count(string what, int found)
        {
            if (found == 0)
            {
                lost.Add(what);
            }
            else if (found > 1)
            {
                duplicated.Add($"{what} x{found}");
            }
        }
    }
}
