using Microsoft.AspNetCore.Identity;

namespace AspireScale.Api.Auth;

// ASP.NET Core Identity's PBKDF2 hasher (versioned format, so stronger settings later still verify old hashes).
public sealed class Passwords
{
    private readonly PasswordHasher<Passwords> hasher = new();

    // Verifying against this when the email is unknown keeps "no such user" as slow as "wrong password": the same hasher,
    // so the same algorithm and iteration count. Made up front, so the first unknown email costs no extra hash either.
    private readonly string decoy;

    public Passwords() => decoy = Hash(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));

    public string Hash(string password) => hasher.HashPassword(this, password);

    public bool Verify(string? hash, string password) =>
        hasher.VerifyHashedPassword(this, hash ?? decoy, password) != PasswordVerificationResult.Failed && hash is not null;
}
