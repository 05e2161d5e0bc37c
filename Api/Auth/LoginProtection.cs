using System.Security.Cryptography;
using System.Text;
using AspireScale.Api.Infrastructure;
using AspireScale.Api.RateLimiting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireScale.Api.Auth;

// A login attempt that may verify the password (RetryAfter zero), or one refused until RetryAfter has passed.
public readonly record struct LoginAttempt(string Account, string Address, TimeSpan RetryAfter)
{
    public bool Allowed => RetryAfter <= TimeSpan.Zero;
}

// Brute-force protection for login (see LoginProtectionOptions). Every attempt is counted against its account and its
// address before the password is looked at, in Redis (shared by the replicas) or, while Redis is unreachable, in this
// process; a successful login gives its attempt back. An unknown email is counted exactly like a known one, and a locked
// attempt is refused before the database or the password hash is touched, so neither the answer nor its timing tells
// whether an account exists or whether a guess made during a lock was right.
public sealed partial class LoginProtection(
    IOptionsMonitor<LoginProtectionOptions> options,
    ILogger<LoginProtection> logger,
    TimeProvider time,
    IConnectionMultiplexer? redis = null)
{
    private readonly RedisLoginFailures? shared = redis is null ? null : new RedisLoginFailures(redis);
    private readonly LocalLoginFailures local = new(time);
    private readonly RedisBreaker sharedBreaker = new(time);

    // email: already trimmed and lower-cased, as accounts are stored.
    public async Task<LoginAttempt> AttemptAsync(string email, HttpContext context)
    {
        var settings = options.CurrentValue;
        if (!settings.Enabled)
        {
            return new LoginAttempt("", "", TimeSpan.Zero);
        }

        // Hashed: Redis never holds the emails people (or guessers) typed.
        var account = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(email)))[..32];
        var address = ClientAddress.Of(context);
        if (shared is { IsConnected: true } && !sharedBreaker.IsOpen)
        {
            try
            {
                return new LoginAttempt(account, address, await shared.AttemptAsync(account, address, settings));
            }
            catch (Exception exception) when (RedisFailures.IsUnavailable(exception))
            {
                OnRedisFailed(exception);
            }
        }

        return new LoginAttempt(account, address, local.Attempt(account, address, settings));
    }

    public async Task SucceededAsync(LoginAttempt attempt)
    {
        if (attempt.Account.Length == 0)
        {
            return;
        }

        // Both: the attempt was counted in one of them, and a stale local count must not lock the owner out later.
        local.Succeeded(attempt.Account, attempt.Address);
        if (shared is { IsConnected: true } && !sharedBreaker.IsOpen)
        {
            try
            {
                await shared.SucceededAsync(attempt.Account, attempt.Address);
            }
            catch (Exception exception) when (RedisFailures.IsUnavailable(exception))
            {
                OnRedisFailed(exception);
            }
        }
    }

    private void OnRedisFailed(Exception exception)
    {
        sharedBreaker.Open(options.CurrentValue.RedisBreakFor);
        LogRedisFailed(logger, exception);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis login failure counts unavailable; this replica counts locally")]
    private static partial void LogRedisFailed(ILogger logger, Exception exception);
}
