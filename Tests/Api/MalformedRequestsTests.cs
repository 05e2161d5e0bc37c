using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AspireScale.Tests.Api;

// Several hundred malformed requests across every endpoint: none may be a 5xx, the invalid ones must be a 4xx in the
// spec's {"errors":{...}} format, and none may leave a half-written row behind.
[Collection(SharedTopology.Name)]
public sealed class MalformedRequestsTests(SharedTopologyFixture topology, InProcessApi api, ITestOutputHelper output) : IClassFixture<InProcessApi>
{
    private const string JsonMediaType = "application/json";
    private static readonly string Huge = new('x', 100_000);
    private static readonly string OverRequestLimit = new('x', 2_000_000);

    // What the answer may be: invalid input must be a 4xx; some odd-but-legal input (a huge limit that may be clamped,
    // an empty query value read as absent, a search for a strange tag) may also be answered 200/404.
    private enum Expect { ClientError, NoServerError }

    private sealed record Case(string Name, HttpMethod Method, string Path, Func<HttpContent?>? Content, string? Authorization, Expect Expect);

    public static TheoryData<string> Entrances => new() { "in-process", "balancer" };

    [Theory]
    [MemberData(nameof(Entrances))]
    public async Task MalformedRequestsAreRejectedWith4xxInTheErrorsFormatAndWriteNothing(string entrance)
    {
        var http = entrance == "balancer" ? topology.App.CreateHttpClient() : api.For(topology.App).CreateClient();
        var conduit = new ConduitClient(http);
        var owner = await conduit.RegisterAsync("malf");
        var other = await conduit.RegisterAsync("malfother");
        var article = await conduit.CreateArticleAsync(owner, tags: ["robust"], body: "original body");
        var slug = article.Str("slug");
        var comment = await conduit.CommentAsync(owner, slug, "original comment");
        var commentId = comment.GetProperty("id").GetInt64();
        var attemptPrefix = ConduitClient.UniqueName("attempt");
        var userBefore = (await conduit.GetOkAsync("/api/user", owner.Token)).GetProperty("user");
        var ownerId = await topology.App.Primary().ScalarAsync<long>("SELECT id FROM users WHERE username = $1", owner.Username);
        var articlesBefore = await CountArticlesAsync(ownerId);

        var cases = BuildCases(owner, other, slug, commentId, attemptPrefix)
            // TestServer's client refuses to send a NUL in the path at all; only a real server can be asked.
            .Where(testCase => entrance == "balancer" || !testCase.Path.Split('?')[0].Contains("%00", StringComparison.Ordinal))
            .ToList();
        var failures = new ConcurrentBag<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (testCase, cancellationToken) =>
        {
            var problem = await SendAndJudgeAsync(http, testCase, statuses, cancellationToken);
            if (problem is not null)
            {
                failures.Add($"{testCase.Method} {Shorten(testCase.Path)} [{testCase.Name}]: {problem}");
            }
        });

        output.WriteLine($"{cases.Count} malformed requests via {entrance}; statuses: " +
            string.Join(", ", statuses.OrderBy(pair => pair.Key).Select(pair => $"{pair.Key}x{pair.Value}")));
        Assert.True(cases.Count >= 300, $"only {cases.Count} cases");

        // Nothing half-written: no user from a rejected registration, no extra article or comment, nothing changed.
        Assert.Equal(0L, await topology.App.Primary().ScalarAsync<long>(
            "SELECT count(*) FROM users WHERE username LIKE $1 OR email LIKE $1", attemptPrefix + "%"));
        Assert.Equal(articlesBefore, await CountArticlesAsync(ownerId));
        Assert.Equal(1L, await topology.App.Primary().ScalarAsync<long>(
            "SELECT count(*) FROM comments c JOIN articles a ON a.id = c.article_id WHERE a.slug = $1", slug));
        var userAfter = (await conduit.GetOkAsync("/api/user", owner.Token)).GetProperty("user");
        foreach (var field in new[] { "username", "email", "bio", "image" })
        {
            Assert.Equal(userBefore.GetProperty(field).ToString(), userAfter.GetProperty(field).ToString());
        }

        using (var login = await conduit.SendAsync(HttpMethod.Post, "/api/users/login", new { user = new { email = owner.Email, password = owner.Password } }))
        {
            await login.ReadJsonAsync(HttpStatusCode.OK);
        }

        var articleAfter = (await conduit.GetOkAsync($"/api/articles/{slug}", owner.Token)).GetProperty("article");
        foreach (var field in new[] { "title", "description", "body", "updatedAt" })
        {
            Assert.Equal(article.Str(field), articleAfter.Str(field));
        }

        Assert.Equal(article.Tags(), articleAfter.Tags());

        // Last, so that a mishandled status does not hide a half-written row.
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases.Count} malformed requests were mishandled:\n" +
            string.Join("\n", failures.Order(StringComparer.Ordinal).Take(60)));
    }

    private Task<long> CountArticlesAsync(long authorId) =>
        topology.App.Primary().ScalarAsync<long>("SELECT count(*) FROM articles WHERE author_id = $1", authorId);

    private static async Task<string?> SendAndJudgeAsync(
        HttpClient http, Case testCase, ConcurrentDictionary<int, int> statuses, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(testCase.Method, testCase.Path) { Content = testCase.Content?.Invoke() };
        if (testCase.Authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", testCase.Authorization);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            // A server may refuse an oversized upload by closing the connection after its 413; anything else is a failure.
            return testCase.Name.Contains("over the size limit", StringComparison.Ordinal) ? null : $"transport error {e.Message}";
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            statuses.AddOrUpdate(status, 1, (_, count) => count + 1);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (status >= 500)
            {
                return $"{status} {ResponseAssertions.Truncate(body, 300)}";
            }

            if (testCase.Expect == Expect.ClientError && status is < 400 or >= 500)
            {
                return $"expected a 4xx, got {status} {ResponseAssertions.Truncate(body, 300)}";
            }

            // Some refusals come from the HTTP server before the API sees the request (a body too large, too many requests,
            // a request line Kestrel cannot decode such as a NUL in the path): a body is welcome there, not required.
            var refusedBeforeTheApi = body.Length == 0 && (status is 413 or 429 || (status == 400 && testCase.Path.Split('?')[0].Contains("%00", StringComparison.Ordinal)));
            if (status >= 400 && !refusedBeforeTheApi && ResponseAssertions.ErrorsShapeProblem(body) is { } problem)
            {
                return $"{status} but {problem}: {ResponseAssertions.Truncate(body, 300)}";
            }

            return null;
        }
    }

    private static List<Case> BuildCases(TestUser owner, TestUser other, string slug, long commentId, string attemptPrefix)
    {
        var cases = new List<Case>();
        var token = $"Token {owner.Token}";
        var attempt = 0;
        string NextName() => $"{attemptPrefix}{attempt++}";

        // Bodies that are wrong for any JSON endpoint.
        (string Name, Func<HttpContent?> Content)[] brokenBodies =
        [
            ("no body", () => null),
            ("empty body", () => Json("")),
            ("whitespace body", () => Json("   \n ")),
            ("truncated JSON", () => Json("{")),
            ("truncated envelope", () => Json("{\"x\":")),
            ("not JSON", () => Json("not json at all")),
            ("JSON null", () => Json("null")),
            ("JSON array", () => Json("[]")),
            ("JSON number", () => Json("123")),
            ("JSON string", () => Json("\"hello\"")),
            ("JSON true", () => Json("true")),
            ("empty object", () => Json("{}")),
            ("wrong envelope", () => Json("{\"something\":{\"title\":\"t\"}}")),
            ("single quotes", () => Json("{'user':{'email':'a'}}")),
            ("trailing garbage", () => Json("{\"a\":1} trailing")),
            ("deep nesting", () => Json(new string('[', 5000) + new string(']', 5000))),
            ("invalid UTF-8", () => JsonBytes([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0xFF, 0xFE, 0x7D])),
            ("text/plain", () => new StringContent("{}", Encoding.UTF8, "text/plain")),
            ("form encoded", () => new FormUrlEncodedContent([new KeyValuePair<string, string>("title", "t")])),
            ("huge JSON string", () => Json(JsonSerializer.Serialize(Huge))),
            ("over the size limit", () => Json($"{{\"x\":\"{OverRequestLimit}\"}}")),
        ];

        (string Path, HttpMethod Method, string Envelope, string? Authorization)[] jsonEndpoints =
        [
            ("/api/users", HttpMethod.Post, "user", null),
            ("/api/users/login", HttpMethod.Post, "user", null),
            ("/api/user", HttpMethod.Put, "user", token),
            ("/api/articles", HttpMethod.Post, "article", token),
            ($"/api/articles/{slug}", HttpMethod.Put, "article", token),
            ($"/api/articles/{slug}/comments", HttpMethod.Post, "comment", token),
        ];

        foreach (var (path, method, envelope, authorization) in jsonEndpoints)
        {
            foreach (var (name, content) in brokenBodies)
            {
                cases.Add(new Case(name, method, path, content, authorization, Expect.ClientError));
            }

            // The envelope present but not an object.
            foreach (var value in new[] { "null", "\"text\"", "42", "[]", "[{}]", "false" })
            {
                cases.Add(new Case($"{envelope} is {value}", method, path, () => Json($"{{\"{envelope}\":{value}}}"), authorization, Expect.ClientError));
            }

            // The right fields inside the wrong envelope.
            cases.Add(new Case("fields without envelope", method, path,
                () => Json("{\"title\":\"t\",\"description\":\"d\",\"body\":\"b\",\"email\":\"e@x.io\",\"password\":\"p\",\"username\":\"u\"}"),
                authorization, Expect.ClientError));
        }

        // Registration: each field missing, null, the wrong type, blank or absurdly long. Usernames carry the attempt prefix.
        foreach (var field in new[] { "username", "email", "password" })
        {
            foreach (var (label, value) in FieldValues(includeMissing: true))
            {
                var username = NextName();
                var fields = new Dictionary<string, object?> { ["username"] = username, ["email"] = $"{username}@example.com", ["password"] = "password123" };
                Apply(fields, field, value);
                cases.Add(new Case($"register {field} {label}", HttpMethod.Post, "/api/users", () => JsonOf(new { user = fields }), null, Expect.ClientError));
            }
        }

        foreach (var field in new[] { "email", "password" })
        {
            foreach (var (label, value) in FieldValues(includeMissing: true))
            {
                var fields = new Dictionary<string, object?> { ["email"] = owner.Email, ["password"] = owner.Password };
                Apply(fields, field, value);
                cases.Add(new Case($"login {field} {label}", HttpMethod.Post, "/api/users/login", () => JsonOf(new { user = fields }), null, Expect.ClientError));
            }
        }

        // Updating the user: no field at all, or one field of the wrong type, blank where blank is meaningless, or too long.
        cases.Add(new Case("update user with no field", HttpMethod.Put, "/api/user", () => Json("{\"user\":{}}"), token, Expect.ClientError));
        foreach (var field in new[] { "username", "email", "password", "bio", "image" })
        {
            foreach (var (label, value) in FieldValues(includeMissing: false))
            {
                var nullOrBlankIsLegal = field is "bio" or "image";
                if (value is null || (value is string { Length: 0 } && nullOrBlankIsLegal))
                {
                    continue;
                }

                var fields = new Dictionary<string, object?> { [field] = value };
                cases.Add(new Case($"update user {field} {label}", HttpMethod.Put, "/api/user", () => JsonOf(new { user = fields }), token, Expect.ClientError));
            }
        }

        cases.Add(new Case("update user to a taken username", HttpMethod.Put, "/api/user", () => JsonOf(new { user = new { username = other.Username } }), token, Expect.ClientError));

        // Creating and updating articles.
        foreach (var field in new[] { "title", "description", "body" })
        {
            foreach (var (label, value) in FieldValues(includeMissing: true))
            {
                var fields = new Dictionary<string, object?> { ["title"] = NextName(), ["description"] = "d", ["body"] = "b" };
                Apply(fields, field, value);
                cases.Add(new Case($"create article {field} {label}", HttpMethod.Post, "/api/articles", () => JsonOf(new { article = fields }), token, Expect.ClientError));
                if (label != "missing" && value is not null)
                {
                    var update = new Dictionary<string, object?> { [field] = value };
                    cases.Add(new Case($"update article {field} {label}", HttpMethod.Put, $"/api/articles/{slug}", () => JsonOf(new { article = update }), token, Expect.ClientError));
                }
            }
        }

        foreach (var (label, tagList) in BadTagLists())
        {
            cases.Add(new Case($"create article tagList {label}", HttpMethod.Post, "/api/articles",
                () => JsonOf(new { article = new { title = NextName(), description = "d", body = "b", tagList } }), token, Expect.ClientError));
            cases.Add(new Case($"update article tagList {label}", HttpMethod.Put, $"/api/articles/{slug}",
                () => JsonOf(new { article = new { tagList } }), token, Expect.ClientError));
        }

        // Comments.
        foreach (var (label, value) in FieldValues(includeMissing: true))
        {
            var fields = new Dictionary<string, object?> { ["body"] = "b" };
            Apply(fields, "body", value);
            cases.Add(new Case($"comment body {label}", HttpMethod.Post, $"/api/articles/{slug}/comments", () => JsonOf(new { comment = fields }), token, Expect.ClientError));
        }

        // Paging: the spec says limit >= 1 and offset >= 0, integers.
        foreach (var list in new[] { "/api/articles", "/api/articles/feed" })
        {
            foreach (var value in new[] { "-1", "abc", "1.5", "1e3", "0x10", "99999999999999999999", "-2147483649", "%00", "NaN", "1;DROP TABLE users" })
            {
                cases.Add(new Case($"limit={value}", HttpMethod.Get, $"{list}?limit={value}", null, token, Expect.ClientError));
                cases.Add(new Case($"offset={value}", HttpMethod.Get, $"{list}?offset={value}", null, token, Expect.ClientError));
            }

            cases.Add(new Case("limit=0", HttpMethod.Get, $"{list}?limit=0", null, token, Expect.ClientError));
            foreach (var value in new[] { "1000000", "2147483647", "2147483648", "", "+5", " 5" })
            {
                cases.Add(new Case($"limit={value}", HttpMethod.Get, $"{list}?limit={Uri.EscapeDataString(value)}", null, token, Expect.NoServerError));
                cases.Add(new Case($"offset={value}", HttpMethod.Get, $"{list}?offset={Uri.EscapeDataString(value)}", null, token, Expect.NoServerError));
            }

            cases.Add(new Case("offset and limit absurd together", HttpMethod.Get, $"{list}?limit=100&offset=2147483647", null, token, Expect.NoServerError));
        }

        // Odd filters: legal strings, so 200 is fine, but a NUL byte or a huge value must not reach PostgreSQL as a 5xx.
        foreach (var filter in new[] { "tag", "author", "favorited" })
        {
            foreach (var (label, value) in new[] { ("NUL", "%00"), ("huge", new string('y', 6000)), ("bad percent", "%zz"), ("quote", "%27%22"), ("unicode", "%F0%9F%90%89"), ("empty", "") })
            {
                cases.Add(new Case($"{filter} {label}", HttpMethod.Get, $"/api/articles?{filter}={value}", null, null, Expect.NoServerError));
            }

            cases.Add(new Case($"{filter} repeated", HttpMethod.Get, $"/api/articles?{filter}=a&{filter}=b", null, null, Expect.NoServerError));
        }

        // Odd path values.
        foreach (var (label, value) in new[] { ("NUL", "%00"), ("huge", new string('z', 6000)), ("encoded slash", "a%2Fb"), ("dots", ".."), ("unicode", "%F0%9F%90%89") })
        {
            cases.Add(new Case($"profile {label}", HttpMethod.Get, $"/api/profiles/{value}", null, null, Expect.NoServerError));
            cases.Add(new Case($"follow {label}", HttpMethod.Post, $"/api/profiles/{value}/follow", null, token, Expect.ClientError));
            cases.Add(new Case($"article {label}", HttpMethod.Get, $"/api/articles/{value}", null, null, Expect.NoServerError));
            cases.Add(new Case($"favorite {label}", HttpMethod.Post, $"/api/articles/{value}/favorite", null, token, Expect.ClientError));
            cases.Add(new Case($"comments {label}", HttpMethod.Get, $"/api/articles/{value}/comments", null, null, Expect.ClientError));
            cases.Add(new Case($"delete article {label}", HttpMethod.Delete, $"/api/articles/{value}", null, token, Expect.ClientError));
        }

        foreach (var id in new[] { "abc", "-1", "0", "1.5", "99999999999999999999", "%00", "9223372036854775807" })
        {
            cases.Add(new Case($"comment id {id}", HttpMethod.Delete, $"/api/articles/{slug}/comments/{id}", null, token, Expect.ClientError));
        }

        // Authorization headers that do not authenticate, on every endpoint that needs one, and on optional-auth ones.
        (HttpMethod Method, string Path, Func<HttpContent?>? Content)[] endpoints =
        [
            (HttpMethod.Get, "/api/user", null),
            (HttpMethod.Put, "/api/user", () => JsonOf(new { user = new { bio = "hacked" } })),
            (HttpMethod.Post, $"/api/profiles/{other.Username}/follow", null),
            (HttpMethod.Delete, $"/api/profiles/{other.Username}/follow", null),
            (HttpMethod.Get, "/api/articles/feed", null),
            (HttpMethod.Post, "/api/articles", () => JsonOf(new { article = new { title = NextName(), description = "d", body = "b" } })),
            (HttpMethod.Put, $"/api/articles/{slug}", () => JsonOf(new { article = new { body = "hacked" } })),
            (HttpMethod.Delete, $"/api/articles/{slug}", null),
            (HttpMethod.Post, $"/api/articles/{slug}/comments", () => JsonOf(new { comment = new { body = "hacked" } })),
            (HttpMethod.Delete, $"/api/articles/{slug}/comments/{commentId}", null),
            (HttpMethod.Post, $"/api/articles/{slug}/favorite", null),
            (HttpMethod.Delete, $"/api/articles/{slug}/favorite", null),
        ];
        string[] badAuthorizations = ["Token", "Token ", $"Bearer {owner.Token}", "Basic dXNlcjpwYXNz", $"Token {owner.Token}x", "Token a.b.c", $"Token {new string('a', 6000)}"];
        foreach (var (method, path, content) in endpoints)
        {
            foreach (var authorization in badAuthorizations)
            {
                cases.Add(new Case($"auth '{Shorten(authorization, 20)}'", method, path, content, authorization, Expect.ClientError));
            }
        }

        // Methods the API does not serve.
        cases.Add(new Case("PATCH user", HttpMethod.Patch, "/api/user", () => Json("{}"), token, Expect.ClientError));
        cases.Add(new Case("DELETE tags", HttpMethod.Delete, "/api/tags", null, token, Expect.ClientError));
        cases.Add(new Case("PUT comments", HttpMethod.Put, $"/api/articles/{slug}/comments", () => Json("{}"), token, Expect.ClientError));
        cases.Add(new Case("unknown route", HttpMethod.Get, "/api/nothing-here", null, null, Expect.ClientError));

        return cases;
    }

    // Values for a required string field: each must be rejected.
    private static IEnumerable<(string Label, object? Value)> FieldValues(bool includeMissing)
    {
        if (includeMissing)
        {
            yield return ("missing", Missing.Value);
        }

        yield return ("null", null);
        yield return ("empty", "");
        yield return ("blank", "   ");
        yield return ("number", 123);
        yield return ("boolean", true);
        yield return ("array", new[] { "a" });
        yield return ("object", new { a = 1 });
        yield return ("100 KB", Huge);
    }

    private static IEnumerable<(string Label, object TagList)> BadTagLists()
    {
        yield return ("string", "dragons");
        yield return ("number", 7);
        yield return ("object", new { tag = "x" });
        yield return ("numbers", new[] { 1, 2 });
        yield return ("null item", new string?[] { "ok", null });
        yield return ("nested arrays", new[] { new[] { "a" } });
        yield return ("100 KB tag", new[] { Huge });
        yield return ("ten thousand tags", Enumerable.Range(0, 10_000).Select(i => $"t{i}").ToArray());
    }

    private static void Apply(Dictionary<string, object?> fields, string field, object? value)
    {
        if (value is Missing)
        {
            fields.Remove(field);
        }
        else
        {
            fields[field] = value;
        }
    }

    private static StringContent Json(string raw) => new(raw, Encoding.UTF8, JsonMediaType);

    private static StringContent JsonOf<T>(T value) => Json(JsonSerializer.Serialize(value));

    private static ByteArrayContent JsonBytes(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(JsonMediaType);
        return content;
    }

    private static string Shorten(string text, int length = 80) => text.Length <= length ? text : text[..length] + "...";

    private sealed class Missing
    {
        public static readonly Missing Value = new();
    }
}
