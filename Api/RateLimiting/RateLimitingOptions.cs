namespace AspireScale.Api.RateLimiting;

// Section "RateLimiting". Defaults are what a deployment runs; the test suite raises the registration limit through
// configuration (Tests/Infrastructure/TestSettings.cs), the benchmarks turn limiting off (RateLimiting__Enabled=false).
public sealed class RateLimitingOptions
{
    public const string Section = "RateLimiting";

    public bool Enabled { get; set; } = true;

    // Every /api request, per user (token), else known API key (X-Api-Key), else client IP.
    public RateLimitPolicy General { get; set; } = new() { PermitLimit = 20_000, Window = TimeSpan.FromMinutes(1) };

    // Login requests, whatever their outcome. Guessing is stopped by the failure counts (LoginProtection), so this only has
    // to stop a flood, and stay above what many people behind one NAT address sign in with.
    public RateLimitPolicy Login { get; set; } = new() { PermitLimit = 600, Window = TimeSpan.FromMinutes(1) };

    // Registrations: a person signs up once; an address creating accounts in bulk is a bot.
    public RateLimitPolicy Registration { get; set; } = new() { PermitLimit = 20, Window = TimeSpan.FromHours(1) };

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
