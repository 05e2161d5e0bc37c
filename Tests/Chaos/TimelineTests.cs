extern alias chaos;
using System.Net;
using chaos::AspireScale.Bench.Chaos;

namespace AspireScale.Tests.Chaos;

// The chaos load's figures from its answers: failure share, longest gap without a success, recovery after the fault.
public sealed class TimelineTests
{
    private static Answer At(double seconds, Outcome outcome = Outcome.Success, double latencyMs = 10) =>
        new(TimeSpan.FromSeconds(seconds), outcome, TimeSpan.FromMilliseconds(latencyMs), IsWrite: false);

    [Fact]
    public void CountsEachOutcomeAndTheFailedShare()
    {
        Answer[] answers =
        [
            At(0.1), At(0.2), At(0.3, Outcome.ServerError), At(0.4, Outcome.Shed), At(0.5, Outcome.Transport),
            At(0.6, Outcome.Timeout), At(0.7, Outcome.ClientError), At(0.8),
        ];

        var timeline = Timeline.Of(answers, faultAt: null);

        Assert.Equal((8, 3, 1, 1, 1, 1, 1), (timeline.Sent, timeline.Succeeded, timeline.ServerErrors, timeline.Shed,
            timeline.TransportErrors, timeline.Timeouts, timeline.ClientErrors));
        Assert.Equal(62.5, timeline.FailedPercent);
        Assert.Null(timeline.RecoveredAfterSeconds);
    }

    [Fact]
    public void TheLongestGapIsBetweenSuccessesWhateverFailedInBetween()
    {
        Answer[] answers = [At(1.0), At(1.5, Outcome.Transport), At(2.0, Outcome.ServerError), At(3.2), At(3.3)];

        Assert.Equal(2200, Timeline.Of(answers, faultAt: null).LongestGapMs, precision: 6);
    }

    [Fact]
    public void AGapRunningToTheEndOfTheLoadCounts()
    {
        Answer[] answers = [At(1.0), At(1.1), At(5.0, Outcome.Timeout)];

        Assert.Equal(3900, Timeline.Of(answers, faultAt: null).LongestGapMs, precision: 6);
    }

    [Fact]
    public void RecoveryEndsWithTheLastSecondBelowNormalAfterTheFault()
    {
        // Fault at 10 s: second 0 after it is half failures, second 1 fine, second 2 one failure in three, then fine.
        Answer[] answers =
        [
            At(9.5, Outcome.ServerError), // before the fault: not counted against recovery
            At(10.1), At(10.2, Outcome.Transport), At(11.5), At(12.1), At(12.2), At(12.3, Outcome.Shed), At(13.4), At(14.5),
        ];

        Assert.Equal(3, Timeline.Of(answers, TimeSpan.FromSeconds(10)).RecoveredAfterSeconds);
        Assert.Equal(0, Timeline.Of([At(10.5), At(11.5)], TimeSpan.FromSeconds(10)).RecoveredAfterSeconds);
    }

    [Fact]
    public void ServedPercentilesAreOfSuccessesOnly()
    {
        var answers = Enumerable.Range(1, 100).Select(i => At(i / 100.0, latencyMs: i))
            .Append(At(1.5, Outcome.Timeout, latencyMs: 10_000));

        var timeline = Timeline.Of(answers, faultAt: null);

        Assert.Equal(50, timeline.ServedP50Ms);
        Assert.Equal(99, timeline.ServedP99Ms);
    }

    [Theory]
    [InlineData(HttpStatusCode.Created, false, Outcome.Success)]
    [InlineData(HttpStatusCode.TooManyRequests, true, Outcome.Shed)]
    [InlineData(HttpStatusCode.ServiceUnavailable, true, Outcome.Shed)]
    [InlineData(HttpStatusCode.ServiceUnavailable, false, Outcome.ServerError)]
    [InlineData(HttpStatusCode.BadGateway, false, Outcome.ServerError)]
    [InlineData(HttpStatusCode.InternalServerError, false, Outcome.ServerError)]
    [InlineData(HttpStatusCode.NotFound, false, Outcome.ClientError)]
    public void StatusCodesAreClassifiedAndARefusalWithoutRetryAfterIsAServerError(HttpStatusCode status, bool hasRetryAfter, Outcome outcome) =>
        Assert.Equal(outcome, ChaosLoad.Classify(status, hasRetryAfter));
}
