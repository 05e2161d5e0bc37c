using System.Net;
using System.Net.Sockets;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.RateLimiting;

// Failed-login counting across replicas (Api/Auth/LoginProtection.cs), on a topology of its own (two API replicas behind
// the balancer, one Redis) whose locks are short: 2 s, doubling up to 8 s, so a test can wait one out. Each test sends
// from loopback addresses of its own (127.x.y.z: the balancer passes the client's address on in X-Forwarded-For, a
// replica reached directly sees it as its peer), so the per-address counts of one test never reach another's.
[Collection(OwnTopology.Name)]
public sealed partial class LoginProtectionTests(LoginProtectionTests.Topology topology) : IClassFixture<LoginProtectionTests.Topology>
{
    private const int AccountLimit = 5;
    private const int AddressLimit = 20;

    [Fact]
    public async Task AfterFiveWrongPasswordsTheBalancerAndEachReplicaAnswer429WithRetryAfter()
    {
        using var attacker = topology.Client(NewAddress());
        var owner = await new ConduitClient(attacker).RegisterAsync("locked");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < AccountLimit; i++)
        {
            using var failed = await LoginAsync(attacker, owner.Email, "guess" + i);
            statuses.Add(failed.StatusCode);
        }

        using var refused = await LoginAsync(attacker, owner.Email, "guess");

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, AccountLimit), statuses);
        await AssertLockedAsync(refused);
        // The count lives in Redis: every replica, reached directly and from another address, knows the account is locked,
        // and refuses the right password too.
        for (var replica = 0; replica < 2; replica++)
        {
            using var direct = topology.Client(NewAddress(), replica);
            using var wrong = await LoginAsync(direct, owner.Email, "guess");
            using var right = await LoginAsync(direct, owner.Email, owner.Password);
            await AssertLockedAsync(wrong);
            await AssertLockedAsync(right);
        }
    }

    [Fact]
    public async Task AnUnknownEmailGetsExactlyTheAnswersAKnownOneGets()
    {
        using var registrar = topology.Client(NewAddress());
        var known = await new ConduitClient(registrar).RegisterAsync("known");
        var unknown = $"{ConduitClient.UniqueName("nobody")}@example.com";

        var knownAnswers = await FailRepeatedlyAsync(known.Email, AccountLimit + 2);
        var unknownAnswers = await FailRepeatedlyAsync(unknown, AccountLimit + 2);

        Assert.Equal(
            [.. Enumerable.Repeat(HttpStatusCode.Unauthorized, AccountLimit), HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests],
            knownAnswers.Select(a => a.Status));
        Assert.Equal(knownAnswers.Select(a => a.Status), unknownAnswers.Select(a => a.Status));
        Assert.Equal(knownAnswers.Select(a => a.Body), unknownAnswers.Select(a => a.Body));
        Assert.Equal(knownAnswers.Select(a => a.Headers), unknownAnswers.Select(a => a.Headers));
    }

    [Fact]
    public async Task TheOwnerGetsInOnceTheLockEndsAndThatStartsTheCountOver()
    {
        using var client = topology.Client(NewAddress());
        var owner = await new ConduitClient(client).RegisterAsync("waits");
        await LockAsync(client, owner.Email);

        // Waited out by asking with the right password, as often as Retry-After says: attempts during a lock are not counted.
        using var admitted = await WaitOutLockAsync(client, owner);
        await admitted.ReadJsonAsync(HttpStatusCode.OK);

        // Count and strikes start over: five more failures before a lock, and that lock is the first one's length again.
        using var relocked = await LockAsync(client, owner.Email);
        Assert.InRange(relocked.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task EachLockWithoutASuccessInBetweenLastsTwiceAsLong()
    {
        using var client = topology.Client(NewAddress());
        var email = $"{ConduitClient.UniqueName("doubling")}@example.com";

        using var first = await LockAsync(client, email);
        await WaitUntilUnlockedAsync(client, email);
        using var second = await LockAsync(client, email, alreadyFailed: 1);

        Assert.InRange(first.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        Assert.InRange(second.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task AnAddressFailingAcrossManyAccountsIsLockedForEveryAccountButOnlyThatAddress()
    {
        using var guesser = topology.Client(NewAddress());
        using var elsewhere = topology.Client(NewAddress());
        var victim = await new ConduitClient(elsewhere).RegisterAsync("victim");

        // One failure per account: no account is near its own limit, the address reaches its.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < AddressLimit; i++)
        {
            using var failed = await LoginAsync(guesser, $"{ConduitClient.UniqueName("spray")}@example.com", "password123");
            statuses.Add(failed.StatusCode);
        }

        using var refused = await LoginAsync(guesser, victim.Email, victim.Password);
        using var fromElsewhere = await LoginAsync(elsewhere, victim.Email, victim.Password);

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, AddressLimit), statuses);
        await AssertLockedAsync(refused);
        await fromElsewhere.ReadJsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task WithRedisUnreachableAReplicaStillLocksAnAccountOnItsOwnCount()
    {
        // The Api in process, its Redis a closed port: the failures are counted in the process (LocalLoginFailures).
        await using var isolated = new ConduitApiFactory(topology.App, ("ConnectionStrings:cache", "127.0.0.1:1,connectTimeout=200"));
        using var client = isolated.CreateClient();
        using var registrar = topology.Client(NewAddress());
        var owner = await new ConduitClient(registrar).RegisterAsync("isolated");

        using var refused = await LockAsync(client, owner.Email);
        using var right = await LoginAsync(client, owner.Email, owner.Password);

        await AssertLockedAsync(right);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    // Fails up to the account's limit, then returns the next answer, the 429 of a lock.
    private static async Task<HttpResponseMessage> LockAsync(HttpClient client, string email, int alreadyFailed = 0)
    {
        for (var i = alreadyFailed; i < AccountLimit; i++)
        {
            using var failed = await LoginAsync(client, email, "guess" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        var locked = await LoginAsync(client, email, "guess");
        await AssertLockedAsync(locked);
        return locked;
    }

    private static async Task<HttpResponseMessage> WaitOutLockAsync(HttpClient client, TestUser owner)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var response = await LoginAsync(client, owner.Email, owner.Password);
            if (response.StatusCode != HttpStatusCode.TooManyRequests || DateTime.UtcNow > deadline)
            {
                return response;
            }

            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            response.Dispose();
            await Task.Delay(wait);
        }
    }

    // Polls with a wrong password, as often as Retry-After says, until the answer is no longer 429 (that attempt counts).
    private static async Task WaitUntilUnlockedAsync(HttpClient client, string email)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var response = await LoginAsync(client, email, "guess");
            if (response.StatusCode != HttpStatusCode.TooManyRequests)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "the lock did not end within 30 s");
            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
        }
    }

    private async Task<List<(HttpStatusCode Status, string Body, string Headers)>> FailRepeatedlyAsync(string email, int times)
    {
        using var client = topology.Client(NewAddress());
        var answers = new List<(HttpStatusCode, string, string)>();
        for (var i = 0; i < times; i++)
        {
            using var response = await LoginAsync(client, email, "guess" + i);
            // Seconds left in a lock depend on when the request arrived, not on the account: they are compared as N.
            var headers = response.Headers.Concat(response.Content.Headers)
                .Select(h => h.Key is "Date" or "RateLimit" or "X-Instance" or "traceparent" ? h.Key : h.Key + ": " + Seconds().Replace(string.Join(",", h.Value), "N"))
                .Order(StringComparer.Ordinal);
            answers.Add((response.StatusCode, Seconds().Replace(await response.Content.ReadAsStringAsync(), "N"), string.Join("\n", headers)));
        }

        return answers;
    }

    private static async Task AssertLockedAsync(HttpResponseMessage response)
    {
        var errors = await response.AssertErrorsAsync(HttpStatusCode.TooManyRequests);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"no Retry-After in seconds: {response.Headers.RetryAfter}");
        Assert.StartsWith("too many failed attempts, retry in ", errors.GetProperty("login")[0].GetString(), StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> LoginAsync(HttpClient client, string email, string password) =>
        new ConduitClient(client).SendAsync(HttpMethod.Post, "/api/users/login", new { user = new { email, password } });

    [System.Text.RegularExpressions.GeneratedRegex(@"^\d+$|(?<=retry in )\d+")]
    private static partial System.Text.RegularExpressions.Regex Seconds();

    // A loopback address of its own (Linux answers on all of 127.0.0.0/8).
    private static IPAddress NewAddress() =>
        new([127, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(1, 255)]);

    public sealed class Topology : IAsyncLifetime
    {
        private RunningAppHost? app;

        public RunningAppHost App => app ?? throw new InvalidOperationException("The AppHost did not start.");

        public async Task InitializeAsync()
        {
            var builder = DistributedApplicationTestingBuilder.Create("--replicas", "2");
            // The limits in code, not the suite's raised per-address one; locks short enough to wait out.
            builder.Environment["LoginProtection__Account__Limit"] = AccountLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
            builder.Environment["LoginProtection__Address__Limit"] = AddressLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
            builder.Environment["LoginProtection__Lockout"] = "00:00:02";
            builder.Environment["LoginProtection__MaxLockout"] = "00:00:08";
            app = await builder.StartAsync();
        }

        // A client for the balancer (replica null) or straight to one API replica, connecting from the given address.
        public HttpClient Client(IPAddress source, int? replica = null)
        {
            var target = replica is { } index
                ? new Uri(App.Manifest.Resource("api").Replicas[index].Endpoint ?? throw new InvalidOperationException($"api[{index}] has no endpoint."))
                : App.GatewayUrl;
            var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (context, cancellationToken) =>
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        socket.Bind(new IPEndPoint(source, 0));
                        await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            };
            return new HttpClient(handler) { BaseAddress = target, Timeout = TimeSpan.FromSeconds(30) };
        }

        public async Task DisposeAsync()
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
        }
    }
}
