extern alias chaos;
using chaos::AspireScale.Bench.Chaos;

namespace AspireScale.Tests.Chaos;

// The chaos load's judgement of what the primary holds against what the load was told (pure: no system needed).
public sealed class VerdictTests
{
    private static readonly Guid JobA = Guid.NewGuid();
    private static readonly Guid JobB = Guid.NewGuid();

    private static Ledger Ledger()
    {
        var ledger = new Ledger();
        ledger.Acknowledged(new AcknowledgedArticle("chaos 1", "chaos-1"));
        ledger.Acknowledged(new AcknowledgedComment(7, "comment 7", NotifiesAuthor: true));
        ledger.Expect(new ExpectedPair(PairKind.Favorite, "ann", "chaos-1", Present: true));
        ledger.Expect(new ExpectedPair(PairKind.Follow, "ann", "bob", Present: false));
        ledger.Accepted(JobA);
        ledger.Accepted(JobB);
        return ledger;
    }

    private static PrimaryState Holding(
        int articles = 1, int comments = 1, int notifications = 1, bool favorite = true, bool follow = false, string? jobB = "succeeded")
    {
        var pairs = new HashSet<(PairKind, string, string)>();
        if (favorite)
        {
            pairs.Add((PairKind.Favorite, "ann", "chaos-1"));
        }

        if (follow)
        {
            pairs.Add((PairKind.Follow, "ann", "bob"));
        }

        var jobs = new Dictionary<Guid, string> { [JobA] = "succeeded" };
        if (jobB is not null)
        {
            jobs[JobB] = jobB;
        }

        return new PrimaryState(
            articles == 0 ? new Dictionary<string, int>() : new() { ["chaos 1"] = articles },
            comments == 0 ? new Dictionary<string, int>() : new() { ["comment 7"] = comments },
            notifications == 0 ? new Dictionary<long, int>() : new() { [7] = notifications },
            pairs, jobs);
    }

    [Fact]
    public void EverythingAcknowledgedPresentOnceHolds()
    {
        var verdict = Verdict.Of(Ledger(), Holding());

        Assert.True(verdict.Holds);
        Assert.Equal(4, verdict.AcknowledgedWrites);
        Assert.Equal(2, verdict.JobsAccepted);
    }

    [Fact]
    public void AnAcknowledgedArticleMissingIsLost()
    {
        var verdict = Verdict.Of(Ledger(), Holding(articles: 0));

        Assert.False(verdict.Holds);
        Assert.Equal(["article 'chaos 1'"], verdict.Lost);
    }

    [Fact]
    public void AnArticleOrCommentStoredTwiceIsDuplicated()
    {
        var verdict = Verdict.Of(Ledger(), Holding(articles: 2, comments: 3));

        Assert.Equal(["article 'chaos 1' x2", "comment 7 x3"], verdict.Duplicated);
        Assert.Empty(verdict.Lost);
    }

    [Fact]
    public void ACommentsNotificationMustBeAppliedExactlyOnce()
    {
        Assert.Equal(["notification of comment 7"], Verdict.Of(Ledger(), Holding(notifications: 0)).Lost);
        Assert.Equal(["notification of comment 7 x2"], Verdict.Of(Ledger(), Holding(notifications: 2)).Duplicated);
    }

    [Fact]
    public void AnAcknowledgedFavoriteMissingOrAnAcknowledgedUnfollowUndoneIsLost()
    {
        var verdict = Verdict.Of(Ledger(), Holding(favorite: false, follow: true));

        Assert.Equal(["Favorite ann -> chaos-1", "removal of Follow ann -> bob"], verdict.Lost);
    }

    [Fact]
    public void AnAcceptedJobMissingIsLostAndOneNotSucceededIsReported()
    {
        Assert.Equal([$"job {JobB}"], Verdict.Of(Ledger(), Holding(jobB: null)).JobsLost);
        Assert.Equal([$"job {JobB} is queued"], Verdict.Of(Ledger(), Holding(jobB: "queued")).JobsNotSucceeded);
    }

    [Fact]
    public void AStaleReadFailsTheVerdict()
    {
        var ledger = Ledger();
        ledger.StaleRead("ann created chaos-1, then read 404");

        var verdict = Verdict.Of(ledger, Holding());

        Assert.False(verdict.Holds);
        Assert.Single(verdict.StaleReads);
    }
}
