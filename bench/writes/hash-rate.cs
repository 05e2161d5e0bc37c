#:sdk Microsoft.NET.Sdk.Web

// The anchor of registration and login: how many password hashes (registration) and verifications (login) this machine
// does a second with every core busy, using the Api's hasher (ASP.NET Core Identity v3, PBKDF2), and nothing else.
// Usage: dotnet run bench/writes/hash-rate.cs -- SECONDS  ->  {"hash_per_s":...,"verify_per_s":...,"hash_us":...,"verify_us":...}
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Identity;

var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 5;
var hasher = new PasswordHasher<object>();
var hash = hasher.HashPassword(new object(), "password");

double Rate(Action work)
{
    long done = 0;
    var clock = Stopwatch.StartNew();
    var deadline = TimeSpan.FromSeconds(seconds);
    Parallel.For(0, Environment.ProcessorCount, _ =>
    {
        while (clock.Elapsed < deadline)
        {
            work();
            Interlocked.Increment(ref done);
        }
    });
    return done / clock.Elapsed.TotalSeconds;
}

Rate(() => hasher.VerifyHashedPassword(new object(), hash, "password")); // warm-up: JIT, tiering
var verify = Rate(() => hasher.VerifyHashedPassword(new object(), hash, "password"));
var make = Rate(() => hasher.HashPassword(new object(), "password123"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $$"""{"hash_per_s":{{make:F1}},"verify_per_s":{{verify:F1}},"hash_us":{{1e6 * Environment.ProcessorCount / make:F0}},"verify_us":{{1e6 * Environment.ProcessorCount / verify:F0}}}"""));
