using System.ComponentModel.DataAnnotations;

namespace AspireScale.Api.Auth;

public sealed class JwtOptions
{
    public const string Section = "Jwt";

    // Base64 of at least 32 random bytes (HMAC-SHA256). Required: the API refuses to start without it.
    [Required]
    public string SigningKey { get; set; } = "";

    public string Issuer { get; set; } = "aspirescale";
    public string Audience { get; set; } = "aspirescale";
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromDays(1);

    internal byte[] SigningKeyBytes => Convert.FromBase64String(SigningKey);

    internal bool HasUsableSigningKey()
    {
        var buffer = new byte[SigningKey.Length];
        return Convert.TryFromBase64String(SigningKey, buffer, out var length) && length >= 32;
    }
}
