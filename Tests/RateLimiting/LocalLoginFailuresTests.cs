using AspireScale.Api.Auth;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.RateLimiting;

// The failed-login counts each replica keeps while Redis is unreachable (Api/Auth/LocalLoginFailures.cs), the same
// algorithm as the Redis script: pure logic, on a clock the test moves.
public sealed class LocalLoginFailuresTests
{
    private static readonly LoginProtectionOptions Limits = new()
    {
        Account = new LoginFailureLimit { Limit = 5, Window = TimeSpan.FromMinutes(15) },
        Address = new LoginFailureLimit { Limit = 20, Window = TimeSpan.FromMinutes(15) },
        Lockout = TimeSpan.FromMinutes(5),
        MaxLockout = TimeSpan.FromMinutes(30),
    };

    [Fact]
    public void FiveAttemptsPassTheSixthLocksTheAccountForTheLockoutAndLockedAttemptsAreNotCounted()
    {
        var clock = new ManualClock();
        var failures = new LocalLoginFailures(clock);

        var attempts = Enumerable.Range(0, 6).Select(_ => failures.Attempt("alice", "10.0.0.1", Limits)).ToArray();
        clock.Advance(TimeSpan.FromMinutes(4));
        var stillLocked = failures.Attempt("alice", "10.0.0.2", Limits);
        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.All(attempts[..5], wait => Assert.Equal(TimeSpan.Zero, wait));
        Assert.Equal(TimeSpan.FromMinutes(5), attempts[5]);
        Assert.Equal(TimeSpan.FromMinutes(1), stillLocked);
        // The lock ended; the attempts made during it did not count, so five pass again.
        Assert.All(Enumerable.Range(0, 5), _ => Assert.Equal(TimeSpan.Zero, failures.Attempt("alice", "10.0.0.1", Limits)));
    }

    [Fact]
    public void EachLockWithoutASuccessDoublesUpToTheCap()
    {
        var clock = new ManualClock();
        var failures = new LocalLoginFailures(clock);

        var locks = new List<TimeSpan>();
        for (var round = 0; round < 5; round++)
        {
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(TimeSpan.Zero, failures.Attempt("bob", $"10.0.{round}.{i}", Limits));
            }

            var locked = failures.Attempt("bob", "10.0.9.9", Limits);
            locks.Add(locked);
            clock.Advance(locked);
        }

        Assert.Equal([5, 10, 20, 30, 30], locks.Select(l => l.TotalMinutes));
    }

    [Fact]
    public void ASuccessForgetsTheAccountsCountAndStrikesButGivesTheAddressBackOnlyItsOwnAttempt()
    {
        var clock = new ManualClock();
        var failures = new LocalLoginFailures(clock);
        var lockedOnce = Enumerable.Range(0, 6).Select(_ => failures.Attempt("carol", "10.0.0.3", Limits)).ToArray()[^1];
        clock.Advance(lockedOnce);

        // Four failures, then the owner's attempt, which succeeds.
        for (var i = 0; i < 4; i++)
        {
            failures.Attempt("carol", "10.0.0.3", Limits);
        }

        Assert.Equal(TimeSpan.Zero, failures.Attempt("carol", "10.0.0.3", Limits));
        failures.Succeeded("carol", "10.0.0.3");

        // Five more pass, and the next lock is the first length again, not double.
        Assert.All(Enumerable.Range(0, 5), _ => Assert.Equal(TimeSpan.Zero, failures.Attempt("carol", "10.0.0.4", Limits)));
        Assert.Equal(TimeSpan.FromMinutes(5), failures.Attempt("carol", "10.0.0.4", Limits));
        // The address: 5 + 4 failures counted on it (the success given back): 11 more attempts reach its 20.
        Assert.All(Enumerable.Range(0, 11), i => Assert.Equal(TimeSpan.Zero, failures.Attempt($"other{i}", "10.0.0.3", Limits)));
        Assert.Equal(TimeSpan.FromMinutes(5), failures.Attempt("dave", "10.0.0.3", Limits));
    }

    [Fact]
    public void AnAddressIsLockedAfterItsLimitAcrossAccountsWhileTheAccountsStayOpenElsewhere()
    {
        var failures = new LocalLoginFailures(new ManualClock());

        var spray = Enumerable.Range(0, 21).Select(i => failures.Attempt($"user{i}", "10.0.0.5", Limits)).ToArray();

        Assert.All(spray[..20], wait => Assert.Equal(TimeSpan.Zero, wait));
        Assert.Equal(TimeSpan.FromMinutes(5), spray[20]);
        Assert.True(failures.Attempt("user0", "10.0.0.5", Limits) > TimeSpan.Zero);
        Assert.Equal(TimeSpan.Zero, failures.Attempt("user0", "10.0.0.6", Limits));
    }

    [Fact]
    public void FailuresOlderThanTheWindowNoLongerCount()
    {
        var clock = new ManualClock();
        var failures = new LocalLoginFailures(clock);
        for (var i = 0; i < 5; i++)
        {
            failures.Attempt("erin", "10.0.0.7", Limits);
        }

        clock.Advance(TimeSpan.FromMinutes(15));

        Assert.All(Enumerable.Range(0, 5), _ => Assert.Equal(TimeSpan.Zero, failures.Attempt("erin", "10.0.0.7", Limits)));
    }

    [Fact]
    public void ExpiredEntriesAreDroppedSoOneOffEmailsCannotGrowTheTable()
    {
        var clock = new ManualClock();
        var failures = new LocalLoginFailures(clock);
        for (var i = 0; i < 3_000; i++)
        {
            failures.Attempt($"old{i}", $"10.1.{i / 250}.{i % 250}", Limits);
        }

        clock.Advance(TimeSpan.FromMinutes(16));
        var manyBehindOneAddress = new LoginProtectionOptions { Address = new LoginFailureLimit { Limit = 1_000_000, Window = TimeSpan.FromMinutes(15) } };
        for (var i = 0; i < 3_000; i++)
        {
            failures.Attempt($"new{i}", "10.2.0.1", manyBehindOneAddress);
        }

        // The new accounts and their one address; a table that never forgets would also hold the 3,012 old entries.
        Assert.Equal(3_001, failures.Entries);
    }
}
