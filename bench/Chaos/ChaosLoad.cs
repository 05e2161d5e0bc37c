using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AspireScale.Bench.Chaos;

// Rate 0: no pacing, every worker as fast as it is answered (to measure capacity).
// Warmup: the mix before the measured Duration, its answers not counted (its writes are still checked); the fault is timed
// from the end of it.
public sealed record LoadOptions(
    Uri Gateway, double Rate, TimeSpan Duration, int Workers, string RunId, Fault? Fault = null, TimeSpan Warmup = default, Surge? Surge = null);

// Overload: from At (after the warm-up) for For, Factor times Rate is offered. The extra is sent open loop, each request on
// its own without waiting for the one before (arrivals do not slow down because answers do, as in production), on top of
// the workers' steady mix; favorites and follows are left to the workers, whose state they are.
public sealed record Surge(TimeSpan At, TimeSpan For, double Factor);

// One fault, injected At after the load starts; Heal (if any) HealAfter later.
public sealed record Fault(string Name, TimeSpan At, Func<Task> Inject, TimeSpan? HealAfter = null, Func<Task>? Heal = null);

// The steady mix, per request: 70 % anonymous reads, 20 % signed-in reads, 8 % writes (articles, comments, favorites,
// follows) and 2 % export jobs, spread over one signed-in user per worker. Each acknowledged write is recorded in the
// ledger and read back at once by the client that made it (read-your-writes); a read that misses it is a stale read.
public sealed class ChaosLoad(LoadOptions options, HttpClient http)
{
    private const string Password = "chaos-password";
    private readonly Stopwatch clock = new();
    private Actor[] actors = [];
    private volatile bool measuring;
    private TimeSpan measuredFrom;

    public Ledger Ledger { get; } = new();

    public TimeSpan? FaultAt { get; private set; }

    public IReadOnlyList<string> Usernames => [.. actors.Select(a => a.Username)];

    // Registers one user per worker, each with one article the others comment on and favorite (no fault yet).
    public async Task SetUpAsync(CancellationToken cancellationToken)
    {
        actors = await Task.WhenAll(Enumerable.Range(0, options.Workers).Select(async worker =>
        {
            var username = $"chaos-{options.RunId}-{worker}";
            using var registered = await http.PostAsJsonAsync(new Uri(options.Gateway, "/api/users"), new JsonObject
            {
                ["user"] = new JsonObject { ["username"] = username, ["email"] = $"{username}@chaos.example", ["password"] = Password },
            }, cancellationToken);
            registered.EnsureSuccessStatusCode();
            var token = (await registered.Content.ReadFromJsonAsync<JsonNode>(cancellationToken))!["user"]!["token"]!.GetValue<string>();
            using var article = Send(HttpMethod.Post, "/api/articles", token, Article($"chaos {options.RunId} target {worker}"));
            using var created = await http.SendAsync(article, cancellationToken);
            created.EnsureSuccessStatusCode();
            var slug = (await created.Content.ReadFromJsonAsync<JsonNode>(cancellationToken))!["article"]!["slug"]!.GetValue<string>();
            return new Actor(worker, username, token, slug);
        }));
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        clock.Restart();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(options.Warmup + options.Duration);
        var workers = actors.Select(actor => Task.Run(() => WorkAsync(actor, stop.Token), CancellationToken.None)).ToList();
        workers.Add(MeasureAsync(stop.Token));
        if (options.Surge is { } surge)
        {
            workers.Add(SurgeAsync(surge, stop.Token));
        }

        await Task.WhenAll(workers);
        foreach (var actor in actors)
        {
            foreach (var (key, present) in actor.Pairs)
            {
                Ledger.Expect(new ExpectedPair(key.Kind, actor.Username, key.Target, present));
            }
        }
    }

    // After the warm-up: counts the answers from then on, and injects the fault when it is due.
    private async Task MeasureAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(options.Warmup, cancellationToken);
            measuredFrom = clock.Elapsed;
            measuring = true;
            if (options.Fault is not { } fault)
            {
                return;
            }

            await Task.Delay(fault.At, cancellationToken);
            FaultAt = clock.Elapsed - measuredFrom;
            await fault.Inject();
            if (fault is { HealAfter: { } after, Heal: { } heal })
            {
                await Task.Delay(after, CancellationToken.None);
                await heal();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The load ended before the warm-up did or before the fault was due.
        }
    }

    private async Task WorkAsync(Actor actor, CancellationToken cancellationToken)
    {
        var random = new Random(HashCode.Combine(options.RunId, actor.Worker));
        var interval = options.Rate > 0 ? TimeSpan.FromSeconds(options.Workers / options.Rate) : TimeSpan.Zero;
        var next = interval * random.NextDouble(); // spread the workers' first requests over one interval
        while (!cancellationToken.IsCancellationRequested)
        {
            if (interval > TimeSpan.Zero)
            {
                var wait = next - clock.Elapsed;
                if (wait > TimeSpan.Zero && !await DelayAsync(wait, cancellationToken))
                {
                    return;
                }

                // Behind schedule (slow answers) it does not burst to catch up: at most one interval of backlog.
                next = Max(next + interval, clock.Elapsed - interval);
            }

            await OperationAsync(random, actor, ownsPairs: true);
        }
    }

    private async Task SurgeAsync(Surge surge, CancellationToken cancellationToken)
    {
        if (!await DelayAsync(options.Warmup + surge.At, cancellationToken))
        {
            return;
        }

        var random = new Random(HashCode.Combine(options.RunId, "surge"));
        var interval = TimeSpan.FromSeconds(1 / (options.Rate * (surge.Factor - 1)));
        var end = clock.Elapsed + surge.For;
        var sent = new List<Task>();
        var next = clock.Elapsed;
        while (clock.Elapsed < end && !cancellationToken.IsCancellationRequested)
        {
            // Everything due by now, then a millisecond's sleep: timers are too coarse for one request at a time.
            for (; next <= clock.Elapsed; next += interval)
            {
                var actor = actors[random.Next(actors.Length)];
                var seed = random.Next();
                sent.Add(Task.Run(() => OperationAsync(new Random(seed), actor, ownsPairs: false), CancellationToken.None));
            }

            await DelayAsync(TimeSpan.FromMilliseconds(1), cancellationToken);
        }

        await Task.WhenAll(sent);
    }

    private Task OperationAsync(Random random, Actor actor, bool ownsPairs)
    {
        var roll = random.Next(100);
        var other = actors[(actor.Worker + 1 + random.Next(actors.Length - 1)) % actors.Length];
        return roll switch
        {
            < 70 => AnonymousReadAsync(random, other),
            < 90 => SignedInReadAsync(random, actor, other),
            < 93 => CreateArticleAsync(actor),
            < 95 => CommentAsync(actor, other),
            < 97 when ownsPairs => ToggleAsync(actor, PairKind.Favorite, other.Slug, $"/api/articles/{other.Slug}/favorite", $"/api/articles/{other.Slug}", "article", "favorited"),
            < 98 when ownsPairs => ToggleAsync(actor, PairKind.Follow, other.Username, $"/api/profiles/{other.Username}/follow", $"/api/profiles/{other.Username}", "profile", "following"),
            < 98 => SignedInReadAsync(random, actor, other),
            _ => ExportAsync(actor),
        };
    }

    private Task AnonymousReadAsync(Random random, Actor other) => ReadAsync(null, random.Next(5) switch
    {
        0 => "/api/articles?limit=10",
        1 => "/api/tags",
        2 => $"/api/articles/{other.Slug}",
        3 => $"/api/articles/{other.Slug}/comments",
        _ => $"/api/profiles/{other.Username}",
    });

    private Task SignedInReadAsync(Random random, Actor actor, Actor other) => ReadAsync(actor.Token, random.Next(3) switch
    {
        0 => "/api/articles/feed?limit=10",
        1 => "/api/user",
        _ => $"/api/articles/{other.Slug}",
    });

    private async Task ReadAsync(string? token, string path)
    {
        using var response = await SendAsync(Send(HttpMethod.Get, path, token), isWrite: false);
    }

    private async Task CreateArticleAsync(Actor actor)
    {
        var title = $"chaos {options.RunId} {actor.Worker} {Interlocked.Increment(ref actor.Writes)}";
        using var response = await SendAsync(Send(HttpMethod.Post, "/api/articles", actor.Token, Article(title)), isWrite: true);
        if (await BodyAsync(response) is not { } body)
        {
            return;
        }

        var slug = body["article"]!["slug"]!.GetValue<string>();
        Ledger.Acknowledged(new AcknowledgedArticle(title, slug));
        using var read = await SendAsync(Send(HttpMethod.Get, $"/api/articles/{slug}", actor.Token), isWrite: false);
        if (read?.StatusCode == HttpStatusCode.NotFound)
        {
            Ledger.StaleRead($"{actor.Username} created {slug}, then read 404");
        }
    }

    private async Task CommentAsync(Actor actor, Actor other)
    {
        var text = $"chaos {options.RunId} {actor.Worker} {Interlocked.Increment(ref actor.Writes)}";
        var comment = new JsonObject { ["comment"] = new JsonObject { ["body"] = text } };
        using var response = await SendAsync(Send(HttpMethod.Post, $"/api/articles/{other.Slug}/comments", actor.Token, comment), isWrite: true);
        if (await BodyAsync(response) is not { } body)
        {
            return;
        }

        var id = body["comment"]!["id"]!.GetValue<long>();
        Ledger.Acknowledged(new AcknowledgedComment(id, text, NotifiesAuthor: true));
        using var read = await SendAsync(Send(HttpMethod.Get, $"/api/articles/{other.Slug}/comments", actor.Token), isWrite: false);
        if (await BodyAsync(read) is { } comments && comments["comments"]!.AsArray().All(c => c!["id"]!.GetValue<long>() != id))
        {
            Ledger.StaleRead($"{actor.Username} commented {id} on {other.Slug}, then read the comments without it");
        }
    }

    // Favorite/unfavorite or follow/unfollow, whichever changes the current state; both are idempotent, so after any
    // acknowledged toggle the state is known again.
    private async Task ToggleAsync(Actor actor, PairKind kind, string target, string path, string readPath, string envelope, string flag)
    {
        var key = (kind, target);
        var present = !actor.Pairs.GetValueOrDefault(key);
        using var response = await SendAsync(Send(present ? HttpMethod.Post : HttpMethod.Delete, path, actor.Token), isWrite: true);
        if (response is null || (int)response.StatusCode >= 500)
        {
            actor.Pairs.Remove(key); // unknown outcome: not checked until a later toggle is acknowledged
            return;
        }

        if (!response.IsSuccessStatusCode)
        {
            return;
        }

        actor.Pairs[key] = present;
        using var read = await SendAsync(Send(HttpMethod.Get, readPath, actor.Token), isWrite: false);
        if (await BodyAsync(read) is { } body && body[envelope]![flag]!.GetValue<bool>() != present)
        {
            Ledger.StaleRead($"{actor.Username} set {kind} {target} to {present}, then read {!present}");
        }
    }

    private async Task ExportAsync(Actor actor)
    {
        var export = new JsonObject { ["export"] = new JsonObject { ["format"] = "json" } };
        using var response = await SendAsync(Send(HttpMethod.Post, "/api/v2/exports", actor.Token, export), isWrite: true);
        if (await BodyAsync(response) is { } body)
        {
            Ledger.Accepted(body["job"]!["id"]!.GetValue<Guid>());
        }
    }

    // Sends and records the answer (not during the warm-up); null when none came (transport error or timeout).
    private async Task<HttpResponseMessage?> SendAsync(HttpRequestMessage request, bool isWrite)
    {
        using (request)
        {
            var started = clock.Elapsed;
            var what = $"{request.Method} {request.RequestUri!.PathAndQuery}";
            try
            {
                var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
                var outcome = Classify(response.StatusCode, response.Headers.RetryAfter is not null);
                Record(outcome, outcome == Outcome.Success ? null : $"{(int)response.StatusCode}");
                return response;
            }
            catch (HttpRequestException exception)
            {
                Record(Outcome.Transport, exception.Message);
            }
            catch (TaskCanceledException)
            {
                Record(Outcome.Timeout, "no answer within the timeout");
            }

            return null;

            void Record(Outcome outcome, string? failure)
            {
                if (measuring)
                {
                    Ledger.Record(new Answer(clock.Elapsed - measuredFrom, outcome, clock.Elapsed - started, isWrite), what, failure);
                }
            }
        }
    }

    // A refusal counts as shed only when it says when to come back; without Retry-After it is a server error like any other.
    public static Outcome Classify(HttpStatusCode status, bool hasRetryAfter) => (int)status switch
    {
        < 400 => Outcome.Success,
        429 or 503 when hasRetryAfter => Outcome.Shed,
        >= 500 => Outcome.ServerError,
        _ => Outcome.ClientError,
    };

    private static async Task<JsonNode?> BodyAsync(HttpResponseMessage? response) =>
        response is { IsSuccessStatusCode: true } ? await response.Content.ReadFromJsonAsync<JsonNode>() : null;

    private HttpRequestMessage Send(HttpMethod method, string path, string? token, JsonObject? body = null)
    {
        var request = new HttpRequestMessage(method, new Uri(options.Gateway, path));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Token", token);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: JsonSerializerOptions.Web);
        }

        return request;
    }

    private static JsonObject Article(string title) => new()
    {
        ["article"] = new JsonObject
        {
            ["title"] = title,
            ["description"] = "written by bench/Chaos",
            ["body"] = "A steady load that checks itself.",
            ["tagList"] = new JsonArray("chaos"),
        },
    };

    private static async Task<bool> DelayAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(wait, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private sealed class Actor(int worker, string username, string token, string slug)
    {
        public int Worker { get; } = worker;
        public string Username { get; } = username;
        public string Token { get; } = token;
        public string Slug { get; } = slug;
        public int Writes;
        public Dictionary<(PairKind Kind, string Target), bool> Pairs { get; } = [];
    }
}
