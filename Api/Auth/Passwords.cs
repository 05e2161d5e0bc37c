using Microsoft.AspNetCore.Identity;

namespace AspireScale.Api.Auth;

// ASP.NET Core Identity's PBKDF2 hasher (versioned format, so stronger settings later still verify old hashes).
public sealed class Passwords
{
    private readonly PasswordHasher<Passwords> hasher = new();

    // Verifying against this when the email is unknown keeps "no such user" as slow as "wrong password".
    private readonly Lazy<string> decoy;

    public Passwords() => decoy = new Lazy<string>(() => Hash(Guid.NewGuid().ToString()));

    public string Hash(string password) => hasher.HashPassword(this, password);

    public bool Verify(string? hash, string password) =>
        hasher.VerifyHashedPassword(this, hash ?? decoy.Value, password) != PasswordVerificationResult.Failed && hash is not null;
}
