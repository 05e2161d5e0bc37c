using AspireScale.Api.Data;
using AspireScale.Api.Infrastructure;

namespace AspireScale.Api.Users;

internal static class UserRules
{
    public static string Username(ValidationErrors errors, string? value)
    {
        var username = errors.Required("username", value, Limits.Username);
        if (username.Any(char.IsWhiteSpace) || username.Contains('/', StringComparison.Ordinal))
        {
            errors.Add("username", "may not contain spaces or slashes");
        }

        return username;
    }

    // Stored lower-case so that login and uniqueness ignore case.
    public static string Email(ValidationErrors errors, string? value)
    {
        var email = errors.Required("email", value, Limits.Email).ToLowerInvariant();
        var at = email.IndexOf('@', StringComparison.Ordinal);
        // One "@" with something on each side, no spaces: what a mail server accepts unquoted (RFC 5321).
        if (email.Length > 0 && (at <= 0 || at == email.Length - 1 || email.IndexOf('@', at + 1) >= 0 || email.Any(char.IsWhiteSpace)))
        {
            errors.Add("email", "is invalid");
        }

        return email;
    }

    // A password as typed at login: present and within the column's reach, nothing more. The minimum is for new passwords
    // only, so an account created before it (or a short wrong guess) is a failed login, not a validation error.
    // Not trimmed: spaces may be part of a password, but not all of it.
    public static string Password(ValidationErrors errors, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add("password", "can't be blank");
            return "";
        }

        return errors.MaxLength("password", value, Limits.Password);
    }

    // A password being set (registration, PUT /user). Counted in code points, as NIST SP 800-63B counts characters: an
    // emoji is one character, not two UTF-16 units.
    public static string NewPassword(ValidationErrors errors, string? value)
    {
        var password = Password(errors, value);
        if (password.Length > 0 && password.EnumerateRunes().Count() < Limits.PasswordMinimum)
        {
            errors.Add("password", PasswordTooShort);
        }

        return password;
    }

    // The endpoints that set a password say so in the OpenAPI documents.
    public static TBuilder DescribesNewPasswordRule<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.DescribesError(StatusCodes.Status422UnprocessableEntity, "password", PasswordTooShort,
            $"it has fewer than {Limits.PasswordMinimum} characters (or more than {Limits.Password}); logging in does not apply the minimum");

    private static readonly string PasswordTooShort = $"is too short (minimum is {Limits.PasswordMinimum} characters)";

    // null or "" clears the bio (the API then answers null, never ""); only spaces is a mistake, not a bio.
    public static string? Bio(ValidationErrors errors, string? value) =>
        string.IsNullOrEmpty(value) ? null : errors.Required("bio", value, Limits.Bio);

    public static string? Image(ValidationErrors errors, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var image = errors.Required("image", value, Limits.Image);
        if (image.Length == 0)
        {
            return null;
        }

        if (!Uri.TryCreate(image, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add("image", "must be an http or https URL");
        }

        return image;
    }
}
