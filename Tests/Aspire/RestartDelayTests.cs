extern alias apphost;

using RestartDelay = apphost::AspireScale.AppHost.Supervision.RestartDelay;

namespace AspireScale.Tests.Aspire;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RestartDelayTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ConsecutiveCrashesWaitOneTwoFourSecondsAndSoOnUpToThirty()
    {
        var waits = new List<double>();
        var crashes = 0;
        for (var i = 0; i < 8; i++)
        {
            (var wait, crashes) = RestartDelay.Next(crashes, healthySince: null, Now);
            waits.Add(wait.TotalSeconds);
        }

        Assert.Equal([1, 2, 4, 8, 16, 30, 30, 30], waits);
    }

    [Fact]
    public void ThirtySecondsHealthyStartTheDelayOverButABriefRecoveryDoesNot()
    {
        Assert.Equal((TimeSpan.FromSeconds(1), 1), RestartDelay.Next(6, Now.AddSeconds(-30), Now));
        Assert.Equal((TimeSpan.FromSeconds(30), 7), RestartDelay.Next(6, Now.AddSeconds(-29), Now));
    }
}
