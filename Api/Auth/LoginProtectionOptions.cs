namespace AspireScale.Api.Auth;

// Section "LoginProtection": failed logins counted per account and per client address, shared by every replica through
// Redis. More than Limit failures within Window locks that account or address: its logins answer 429 without looking at
// the password for Lockout, doubled on each further lock (up to MaxLockout) until a successful login, or one Window
// after the last lock ends, forgets them.
public sealed class LoginProtectionOptions
{
    public const string Section = "LoginProtection";

    public bool Enabled { get; set; } = true;

    // Per account (the normalised email, known or not): a guesser aiming at one person.
    public LoginFailureLimit Account { get; set; } = new() { Limit = 5, Window = TimeSpan.FromMinutes(15) };

    // Per client address, whatever the accounts: one machine trying passwords across many people. Higher, since many
    // people may share one address.
    public LoginFailureLimit Address { get; set; } = new() { Limit = 20, Window = TimeSpan.FromMinutes(15) };

    public TimeSpan Lockout { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan MaxLockout { get; set; } = TimeSpan.FromHours(1);

    // After a failed call to Redis each replica counts locally for this long before asking Redis again.
    public TimeSpan RedisBreakFor { get; set; } = TimeSpan.FromSeconds(5);
}

public sealed class LoginFailureLimit
{
    public int Limit { get; set; }

    public TimeSpan Window { get; set; }
}
