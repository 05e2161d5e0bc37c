using System.Collections.Concurrent;

namespace AspireScale.Bench.Chaos;

// What the load was told, as it was told: every answer (its time and class), every acknowledged write and accepted job,
// and every read that returned older data than the client's own acknowledged write. Filled concurrently by the workers.
public sealed class Ledger
{
    private readonly ConcurrentQueue<Answer> answers = new();
    private readonly ConcurrentQueue<AcknowledgedArticle> articles = new();
    private readonly ConcurrentQueue<AcknowledgedComment> comments = new();
    private readonly ConcurrentQueue<Guid> jobs = new();
    private readonly ConcurrentQueue<ExpectedPair> pairs = new();
    private readonly ConcurrentQueue<string> staleReads = new();
    private readonly ConcurrentQueue<string> failures = new();

    public IReadOnlyCollection<Answer> Answers => answers;
    public IReadOnlyCollection<AcknowledgedArticle> Articles => articles;
    public IReadOnlyCollection<AcknowledgedComment> Comments => comments;
    public IReadOnlyCollection<Guid> Jobs => jobs;
    public IReadOnlyCollection<ExpectedPair> Pairs => pairs;
    public IReadOnlyCollection<string> StaleReads => staleReads;

    // The first failed requests, as "12.3 s POST /api/articles: 502", for the report.
    public IReadOnlyCollection<string> Failures => failures;

    public void Record(Answer answer, string request, string? failure)
    {
        answers.Enqueue(answer);
        if (failure is not null && failures.Count < 50)
        {
            failures.Enqueue($"{answer.At.TotalSeconds:F1} s {request}: {failure}");
        }
    }

    public void Acknowledged(AcknowledgedArticle article) => articles.Enqueue(article);

    public void Acknowledged(AcknowledgedComment comment) => comments.Enqueue(comment);

    public void Accepted(Guid job) => jobs.Enqueue(job);

    // The final state the load expects of a favorite or follow it toggled; a pair whose last toggle went unanswered is not
    // recorded (its outcome is unknown to the client, so either state is correct).
    public void Expect(ExpectedPair pair) => pairs.Enqueue(pair);

    public void StaleRead(string what) => staleReads.Enqueue(what);
}

// One request's outcome, at the time it was answered (or gave up), from the start of the load.
public readonly record struct Answer(TimeSpan At, Outcome Outcome, TimeSpan Latency, bool IsWrite);

public enum Outcome
{
    Success,
    // The answers a system under stress is allowed to give: refused with a reason and a time to come back (429 or 503
    // with Retry-After).
    Shed,
    ServerError,
    ClientError,
    Transport,
    Timeout,
}

public sealed record AcknowledgedArticle(string Title, string Slug);

public sealed record AcknowledgedComment(long Id, string Body, bool NotifiesAuthor);

public enum PairKind
{
    Favorite,
    Follow,
}

// For a favorite: the user favoriting and the article's slug; for a follow: the follower and the followee's username.
public sealed record ExpectedPair(PairKind Kind, string Username, string Target, bool Present);
