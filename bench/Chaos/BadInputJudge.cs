using System.Text.Json;

namespace AspireScale.Bench.Chaos;

// Whether one answer to a generated bad request is right: never a 5xx (not even a 503 with Retry-After: bad input must
// not cost the system its capacity); a 4xx wherever the request is invalid; every 4xx in the spec's format
// ({"errors":{"key":["message", ...]}} as JSON), a 429 saying when to come back.
public static class BadInputJudge
{
    // The balancer's default Gateway:MaxRequestBodyBytes: it refuses anything larger with a 413 and may close the
    // connection before reading it all.
    private const int RequestBodyLimit = 256 * 1024;

    public enum Kind { ServerError, Accepted, BadlyFormed, Transport }

    public sealed record Problem(Kind Kind, string Detail);

    public static Problem? Judge(BadRequest request, int status, string? mediaType, string body, bool hasRetryAfter)
    {
        if (status >= 500)
        {
            return new(Kind.ServerError, $"{status} {Shorten(body)}");
        }

        if (status < 400)
        {
            return request.MustBeRejected ? new(Kind.Accepted, $"accepted with {status}: {Shorten(body)}") : null;
        }

        if (status == 429 && !hasRetryAfter)
        {
            return new(Kind.BadlyFormed, "429 without Retry-After");
        }

        // Refused by the HTTP server before the API sees it: a body is welcome, not required (an upload past the limit, a
        // request line or headers past Kestrel's limits, a request line it will not decode such as a NUL in the path).
        if (body.Length == 0 && (status is 413 or 414 or 431 or 429 || (status == 400 && request.Path.Split('?')[0].Contains("%00", StringComparison.Ordinal))))
        {
            return null;
        }

        if (mediaType != "application/json")
        {
            return new(Kind.BadlyFormed, $"{status} as {mediaType ?? "no content type"}: {Shorten(body)}");
        }

        return ErrorsShapeProblem(body) is { } problem ? new(Kind.BadlyFormed, $"{status} but {problem}: {Shorten(body)}") : null;
    }

    public static Problem? TransportError(BadRequest request, string message) =>
        request.Body is { Bytes.Length: > RequestBodyLimit } ? null : new(Kind.Transport, message);

    // Null when the body is {"errors":{...}} with at least one key, each an array of strings.
    public static string? ErrorsShapeProblem(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Object)
            {
                return "no \"errors\" object";
            }

            var keys = errors.EnumerateObject().ToList();
            if (keys.Count == 0)
            {
                return "an empty \"errors\" object";
            }

            return keys.Any(key => key.Value.ValueKind != JsonValueKind.Array || key.Value.GetArrayLength() == 0
                    || key.Value.EnumerateArray().Any(message => message.ValueKind != JsonValueKind.String))
                ? "an error key that is not a list of messages"
                : null;
        }
        catch (JsonException)
        {
            return "a body that is not JSON";
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
