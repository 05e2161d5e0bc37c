using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace AspireScale.Bench.Chaos;

// Unwatched: tables that something else may write during the run (the test suite's other work on a shared system); left
// out of the comparison, and the Worker not waited for. Empty for a system of its own.
public sealed record BadInputOptions(
    Uri Gateway, string PrimaryConnectionString, string? SigningKey, int Count, int Concurrency, IReadOnlySet<string> Unwatched);

// Bad input at scale: the requests BadInputCases generates from the served OpenAPI documents, sent through the balancer;
// each answer judged (BadInputJudge), and the whole database compared before and after, so a rejected request that
// wrote anything is seen even where its answer looked right.
public sealed record BadInputReport(
    int Operations, int Sent, double Seconds, IReadOnlyDictionary<string, int> Statuses, int ServerErrors, int Accepted,
    int BadlyFormed, int TransportErrors, IReadOnlyList<string> TablesChanged, bool WorkerDrained,
    IReadOnlyDictionary<string, int> PerOperation, IReadOnlyList<string> Failures)
{
    public static async Task<BadInputReport> RunAsync(BadInputOptions options, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = options.Gateway, Timeout = TimeSpan.FromSeconds(30) };
        await using var primary = NpgsqlDataSource.Create(options.PrimaryConnectionString);
        var documents = new List<JsonElement>();
        foreach (var version in new[] { "v1", "v2" })
        {
            documents.Add(await http.GetFromJsonAsync<JsonElement>($"/openapi/{version}.json", cancellationToken));
        }

        var operations = BadInputCases.Operations(documents);
        var fixtures = await FixturesAsync(http, options.SigningKey, cancellationToken);
        // The fixtures' export job is done; its comment's notification too before the database is read.
        var settle = options.Unwatched.Count == 0;
        if (settle && !await Primary.WaitForWorkerAsync(primary, TimeSpan.FromMinutes(2), cancellationToken))
        {
            throw new TimeoutException("The Worker had not handled every message within 2 minutes: the database would change under the comparison.");
        }

        var before = await FingerprintAsync(primary, options, fixtures, cancellationToken);
        var cases = BadInputCases.Generate(operations, fixtures, options.Count, seed: 20261207);
        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<string, int>();
        var perOperation = new ConcurrentDictionary<string, int>();
        int serverErrors = 0, accepted = 0, badlyFormed = 0, transportErrors = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
            async (request, token) =>
            {
                perOperation.AddOrUpdate(request.Operation, 1, (_, n) => n + 1);
                var (status, problem) = await SendAsync(http, request, token);
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                if (problem is null)
                {
                    return;
                }

                _ = problem.Kind switch
                {
                    BadInputJudge.Kind.ServerError => Interlocked.Increment(ref serverErrors),
                    BadInputJudge.Kind.Accepted => Interlocked.Increment(ref accepted),
                    BadInputJudge.Kind.Transport => Interlocked.Increment(ref transportErrors),
                    _ => Interlocked.Increment(ref badlyFormed),
                };
                failures.Enqueue($"{request.Method} {Shorten(request.Path)} [{request.Operation}: {request.Mutation}]: {problem.Detail}");
            });
        var seconds = clock.Elapsed.TotalSeconds;

        // A rejected export that had been accepted after all would reach the database through the Worker: wait for it.
        var drained = !settle || await Primary.WaitForWorkerAsync(primary, TimeSpan.FromMinutes(2), cancellationToken);
        var after = await FingerprintAsync(primary, options, fixtures, cancellationToken);
        var changed = before.Keys.Union(after.Keys)
            .Where(table => before.GetValueOrDefault(table) != after.GetValueOrDefault(table))
            .Order(StringComparer.Ordinal).ToList();

        return new BadInputReport(
            operations.Count, cases.Count, seconds, new SortedDictionary<string, int>(statuses), serverErrors, accepted, badlyFormed,
            transportErrors, changed, drained, new SortedDictionary<string, int>(perOperation), [.. failures.Take(100)]);
    }

    // The whole database but the tables others may be writing meanwhile; and, whatever is left out, what this run's
    // users own: their jobs (a rejected export must not have made one) and their articles, as a client sees them (the
    // Worker marks an article fanned out after it is published, which is no write of a request).
    private static async Task<Dictionary<string, string>> FingerprintAsync(
        NpgsqlDataSource primary, BadInputOptions options, BadInputFixtures fixtures, CancellationToken cancellationToken)
    {
        var fingerprint = await Primary.FingerprintAsync(primary, options.Unwatched, cancellationToken);

        foreach (var (name, sql) in new[]
        {
            ("jobs of this run's users", "SELECT count(*)::text FROM jobs j JOIN users u ON u.id = j.owner_id WHERE u.username LIKE $1"),
            ("articles of this run's users", """
                SELECT count(*) || ' ' || coalesce(md5(string_agg(concat_ws('|', a.slug, a.title, a.description, a.body, a.tag_list::text, a.updated_at), '|' ORDER BY a.id)), '')
                FROM articles a JOIN users u ON u.id = a.author_id WHERE u.username LIKE $1
                """),
        })
        {
            await using var scoped = primary.CreateCommand(sql);
            scoped.Parameters.Add(new NpgsqlParameter { Value = $"{fixtures.RunId}-%" });
            fingerprint[name] = (string)(await scoped.ExecuteScalarAsync(cancellationToken))!;
        }

        return fingerprint;
    }

    private static async Task<(string Status, BadInputJudge.Problem? Problem)> SendAsync(HttpClient http, BadRequest request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(request.Method, request.Path) { Content = request.Body?.ToContent() };
        if (request.Authorization is not null)
        {
            message.Headers.TryAddWithoutValidation("Authorization", request.Authorization);
        }

        foreach (var (name, value) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        try
        {
            using var response = await http.SendAsync(message, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return ($"{(int)response.StatusCode}", BadInputJudge.Judge(
                request, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, body, response.Headers.RetryAfter is not null));
        }
        catch (HttpRequestException exception)
        {
            return ("no answer", BadInputJudge.TransportError(request, exception.Message));
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ("no answer", BadInputJudge.TransportError(request, "no answer within 30 s"));
        }
    }

    // An owner with an article (tagged), a comment on it and a finished export job; another user to follow.
    private static async Task<BadInputFixtures> FixturesAsync(HttpClient http, string? signingKey, CancellationToken cancellationToken)
    {
        var run = $"bad{DateTime.UtcNow:HHmmssfff}";
        var owner = await SendOkAsync(http, HttpMethod.Post, "/api/users", null,
            new { user = new { username = $"{run}-owner", email = $"{run}-owner@fuzz.example", password = "password123" } }, cancellationToken);
        var other = await SendOkAsync(http, HttpMethod.Post, "/api/users", null,
            new { user = new { username = $"{run}-other", email = $"{run}-other@fuzz.example", password = "password123" } }, cancellationToken);
        var token = owner["user"]!["token"]!.GetValue<string>();
        var article = await SendOkAsync(http, HttpMethod.Post, "/api/articles", token,
            new { article = new { title = $"{run} article", description = "d", body = "b", tagList = new[] { "fuzz" } } }, cancellationToken);
        var slug = article["article"]!["slug"]!.GetValue<string>();
        var comment = await SendOkAsync(http, HttpMethod.Post, $"/api/articles/{slug}/comments", token, new { comment = new { body = "c" } }, cancellationToken);
        var job = await SendOkAsync(http, HttpMethod.Post, "/api/v2/exports", token, new { export = new { format = "json" } }, cancellationToken);
        var jobId = job["job"]!["id"]!.GetValue<Guid>();
        for (var polled = Stopwatch.StartNew(); ; await Task.Delay(200, cancellationToken))
        {
            var status = (await SendOkAsync(http, HttpMethod.Get, $"/api/v2/jobs/{jobId}", token, null, cancellationToken))["job"]!["status"]!.GetValue<string>();
            if (status == "succeeded")
            {
                break;
            }

            if (polled.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"the fixtures' export job is still {status} after 2 minutes");
            }
        }

        return new BadInputFixtures(token, $"{run}-owner@fuzz.example", "password123", other["user"]!["username"]!.GetValue<string>(), slug,
            comment["comment"]!["id"]!.GetValue<long>(), jobId, run, Tokens.BadAuthorizations(token, signingKey));
    }

    private static async Task<JsonNode> SendOkAsync(HttpClient http, HttpMethod method, string path, string? token, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", $"Token {token}");
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode
            ? JsonNode.Parse(text)!
            : throw new InvalidOperationException($"{method} {path} for the fixtures answered {(int)response.StatusCode}: {text}");
    }

    private static string Shorten(string text) => text.Length <= 120 ? text : $"{text[..120]}… ({text.Length} characters)";
}

// Authorization headers that do not authenticate: malformed, tampered with, of another scheme; and, given the API's
// signing key, tokens signed correctly that are expired, not yet valid, for another issuer or audience, or for a user
// that does not exist.
public static class Tokens
{
    public static IReadOnlyList<BadAuthorization> BadAuthorizations(string valid, string? signingKey)
    {
        var parts = valid.Split('.');
        var payload = JsonNode.Parse(Base64Url.Decode(parts[1]))!.AsObject();
        var tampered = (JsonObject)payload.DeepClone();
        tampered["sub"] = payload["sub"]!.GetValue<string>() + "0"; // another user's id, the signature left as it was
        List<BadAuthorization> bad =
        [
            new("garbage", "Token abc", BadAuthorizationKind.Refused),
            new("three empty parts", "Token a.b.c", BadAuthorizationKind.Refused),
            new("a changed signature", $"Token {parts[0]}.{parts[1]}.{Base64Url.Encode(RandomNumberGenerator.GetBytes(32))}", BadAuthorizationKind.Refused),
            new("a changed payload", $"Token {parts[0]}.{Base64Url.Encode(Encoding.UTF8.GetBytes(tampered.ToJsonString()))}.{parts[2]}", BadAuthorizationKind.Refused),
            new("alg none", $"Token {Base64Url.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}"u8.ToArray())}.{parts[1]}.", BadAuthorizationKind.Refused),
            new("6000 characters", $"Token {new string('a', 6000)}", BadAuthorizationKind.Refused),
            new("the scheme alone", "Token", BadAuthorizationKind.OtherScheme),
            new("an empty token", "Token ", BadAuthorizationKind.OtherScheme),
            new("the Bearer scheme", $"Bearer {valid}", BadAuthorizationKind.OtherScheme),
            new("the Basic scheme", "Basic dXNlcjpwYXNz", BadAuthorizationKind.OtherScheme),
        ];
        if (signingKey is null)
        {
            return bad;
        }

        var key = Convert.FromBase64String(signingKey);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        JsonObject Claims(long issued, long expires, string issuer = "aspirescale", string audience = "aspirescale", string? subject = null) => new()
        {
            ["sub"] = subject ?? payload["sub"]!.GetValue<string>(), ["name"] = payload["name"]?.GetValue<string>(),
            ["iss"] = issuer, ["aud"] = audience, ["iat"] = issued, ["nbf"] = issued, ["exp"] = expires,
        };
        bad.Add(new("expired", $"Token {Sign(Claims(now - 7200, now - 3600), key)}", BadAuthorizationKind.Refused));
        bad.Add(new("not yet valid", $"Token {Sign(Claims(now + 3600, now + 7200), key)}", BadAuthorizationKind.Refused));
        bad.Add(new("another issuer", $"Token {Sign(Claims(now, now + 3600, issuer: "someone-else"), key)}", BadAuthorizationKind.Refused));
        bad.Add(new("another audience", $"Token {Sign(Claims(now, now + 3600, audience: "someone-else"), key)}", BadAuthorizationKind.Refused));
        bad.Add(new("signed with another key", $"Token {Sign(Claims(now, now + 3600), RandomNumberGenerator.GetBytes(64))}", BadAuthorizationKind.Refused));
        // A valid token whose user is gone: a write in that user's name must be refused (a 4xx, not a foreign-key 500).
        bad.Add(new("for a user that does not exist", $"Token {Sign(Claims(now, now + 3600, subject: "987654321"), key)}", BadAuthorizationKind.UnknownUser));
        return bad;
    }

    // A compact HS256 JWT, as the API's TokenIssuer makes them.
    public static string Sign(JsonObject claims, byte[] key)
    {
        var signed = $"{Base64Url.Encode("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8.ToArray())}.{Base64Url.Encode(Encoding.UTF8.GetBytes(claims.ToJsonString()))}";
        return $"{signed}.{Base64Url.Encode(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(signed)))}";
    }

    private static class Base64Url
    {
        public static string Encode(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

        public static byte[] Decode(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);
    }
}
