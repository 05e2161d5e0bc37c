using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using AspireScale.Api.Data;

namespace AspireScale.Api.Users;

public sealed record NewUserEnvelope(NewUser? User);

// The Length and MaxLength attributes only document the rules in the OpenAPI schemas (nothing validates by attribute
// here); UserRules enforces them, with the spec's error format. Login's password has no minimum.
public sealed record NewUser(
    [property: MaxLength(Limits.Username)] string? Username,
    [property: MaxLength(Limits.Email)] string? Email,
    [property: Length(Limits.PasswordMinimum, Limits.Password)] string? Password);

public sealed record LoginEnvelope(LoginUser? User);

public sealed record LoginUser(string? Email, string? Password);

public sealed record UpdateUserEnvelope(UpdateUser? User);

// bio and image may be sent as null to clear them, which differs from leaving them out; the setters remember which.
public sealed class UpdateUser
{
    private string? bio;
    private string? image;

    [MaxLength(Limits.Email)]
    public string? Email { get; set; }

    [MaxLength(Limits.Username)]
    public string? Username { get; set; }

    [Length(Limits.PasswordMinimum, Limits.Password)]
    public string? Password { get; set; }

    [MaxLength(Limits.Bio)]
    public string? Bio
    {
        get => bio;
        set => (bio, HasBio) = (value, true);
    }

    [MaxLength(Limits.Image)]
    public string? Image
    {
        get => image;
        set => (image, HasImage) = (value, true);
    }

    [JsonIgnore]
    public bool HasBio { get; private set; }

    [JsonIgnore]
    public bool HasImage { get; private set; }
}

public sealed record UserEnvelope(UserView User);

public sealed record UserView(string Email, string Token, string Username, string? Bio, string? Image);
