namespace AspireScale.Api.RateLimiting;

// Section "RateLimiting". Defaults are far above what the Postman collection and the test suites send; tests lower them.
public sealed class RateLimitingOptions
{
    public const string Section = "RateLimiting";

    public bool Enabled { get; set; } = true;

    // Every /api request, per user (token), else known API key (X-Api-Key), else client IP.
    public RateLimitPolicy General { get; set; } = new() { PermitLimit = 20_000, Window = TimeSpan.FromMinutes(1) };

    // Login and registration: guessing passwords and creating accounts in bulk are what limits are for.
    public RateLimitPolicy Auth { get; set; } = new() { PermitLimit = 5_000, Window = TimeSpan.FromMinutes(1) };

    // The SHA-256 (hex) of each API key issued to a client (RateLimiting__ApiKeys__0=...): a request bearing one has a
    // quota of its own instead of its address's. Hashes, so configuration never holds a usable key.
    public IList<string> ApiKeys { get; } = [];

    // After a failed call to Redis each replica limits locally for this long before asking Redis again.
    public TimeSpan RedisBreakFor { get; set; } = TimeSpan.FromSeconds(5);
}

public sealed class RateLimitPolicy
{
    public int PermitLimit { get; set; }

    public TimeSpan Window { get; set; }
}
