extern alias chaos;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using chaos::AspireScale.Bench.Chaos;

namespace AspireScale.Tests.Api.Infrastructure;

public static partial class ResponseAssertions
{
    // The Postman collection's check: ISO 8601 with fractional seconds and a zone.
    [GeneratedRegex(@"^\d{4,}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d\.\d+(?:[+-][0-2]\d:[0-5]\d|Z)$")]
    public static partial Regex Iso8601Timestamp();

    // A response header's values joined by commas, or "" when it has none.
    public static string HeaderValue(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    // Asserts the status (showing the body when it differs) and returns the parsed body, or default when it is empty.
    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected,
            $"Expected {(int)expected} but got {(int)response.StatusCode} for {Describe(response)}: {Truncate(text)}");
        return text.Length == 0 ? default : Parse(text, response);
    }

    // A failure in the spec's format: the status, a JSON body, and {"errors":{"<key>":["<message>", ...]}}.
    public static async Task<JsonElement> AssertErrorsAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected,
            $"Expected {(int)expected} but got {(int)response.StatusCode} for {Describe(response)}: {Truncate(text)}");
        var problem = ErrorsShapeProblem(text);
        Assert.True(problem is null, $"{Describe(response)} answered {(int)response.StatusCode} but {problem}: {Truncate(text)}");
        // RFC 9110 11.6.1: a 401 names the scheme to authenticate with.
        Assert.True(expected != HttpStatusCode.Unauthorized || response.Headers.WwwAuthenticate.Count > 0,
            $"{Describe(response)} answered 401 without WWW-Authenticate");
        return Parse(text, response).GetProperty("errors");
    }

    // Null when the body has the errors shape, otherwise what is wrong with it: the rule the bad-input run judges by.
    public static string? ErrorsShapeProblem(string body) => BadInputJudge.ErrorsShapeProblem(body);

    public static string Str(this JsonElement element, string property) =>
        element.GetProperty(property).GetString() ?? throw new InvalidOperationException($"{property} is null");

    public static void AssertNullProperty(this JsonElement element, string property)
    {
        Assert.True(element.TryGetProperty(property, out var value), $"\"{property}\" is missing from {element}");
        Assert.Equal(JsonValueKind.Null, value.ValueKind);
    }

    public static string[] Slugs(this JsonElement articlesResponse) =>
        [.. articlesResponse.GetProperty("articles").EnumerateArray().Select(article => article.Str("slug"))];

    public static string[] Tags(this JsonElement article) =>
        [.. article.GetProperty("tagList").EnumerateArray().Select(tag => tag.GetString()!).Order(StringComparer.Ordinal)];

    public static string Truncate(string text, int length = 600) => text.Length <= length ? text : text[..length] + "...";

    private static string Describe(HttpResponseMessage response) =>
        $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}";

    private static JsonElement Parse(string text, HttpResponseMessage response)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"{Describe(response)} answered a body that is not JSON ({e.Message}): {Truncate(text)}");
        }
    }
}
