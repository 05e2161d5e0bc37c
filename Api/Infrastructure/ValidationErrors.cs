namespace AspireScale.Api.Infrastructure;

// Collects every problem with a request so the client hears about all of them at once, in the spec's 422 format.
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> errors = [];

    public bool Any => errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!errors.TryGetValue(field, out var messages))
        {
            errors[field] = messages = [];
        }

        if (!messages.Contains(message))
        {
            messages.Add(message);
        }
    }

    // A required string: present, not blank, not longer than max. Returns it trimmed unless told otherwise (bodies).
    public string Required(string field, string? value, int maxLength, bool trim = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, "can't be blank");
            return "";
        }

        return MaxLength(field, trim ? value.Trim() : value, maxLength);
    }

    // An optional string to change: null means "leave as is", blank is an error.
    public string? OptionalNonBlank(string field, string? value, int maxLength, bool trim = true) =>
        value is null ? null : Required(field, value, maxLength, trim);

    public string MaxLength(string field, string value, int maxLength)
    {
        if (value.Length > maxLength)
        {
            Add(field, $"is too long (maximum is {maxLength} characters)");
        }
        else if (value.Contains('\0', StringComparison.Ordinal))
        {
            // PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database.
            Add(field, "may not contain NUL characters");
        }

        return value;
    }

    public ErrorEnvelope ToEnvelope() => new(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
}
