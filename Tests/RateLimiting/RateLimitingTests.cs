using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AspireScale.Tests.RateLimiting;

// Two in-process Api instances ("replicas") sharing the shared topology's Redis, with low limits from configuration.
// Each test uses its own API key, known to both replicas and new to this run, so its partition starts empty whatever ran
// before.
[Collection(SharedTopology.Name)]
public sealed class RateLimitingTests(SharedTopologyFixture topology) : IDisposable
{
    private const int GeneralLimit = 300;
    private const int LoginLimit = 5;
    private const int RegistrationLimit = 4;

    // The API keys issued to clients for this run: the replicas are configured with their hashes.
    private static readonly string[] ApiKeys = [.. Enumerable.Range(0, 12).Select(_ => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)))];
    private static int nextKey = -1;

    // One for both replicas, as the AppHost gives its replicas: a token issued by one is valid on the other.
    private static readonly string SigningKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private readonly LimitedApi[] replicas = [new(topology.App, "cache"), new(topology.App, "cache")];

    [Fact]
    public async Task TwoReplicasTogetherAdmitTheConfiguredLimitWithinOnePercent()
    {
        var key = IssuedKey();
        var clients = replicas.Select(r => r.CreateClient()).ToArray();

        // 2x the limit, alternating replicas, 8 at a time: the shared counter must stop both at the limit together.
        var next = -1;
        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < GeneralLimit * 2; i = Interlocked.Increment(ref next))
            {
                statuses.Add(await GetTagsAsync(clients[i % 2], key));
            }
        })));

        var admitted = statuses.Count(s => s == HttpStatusCode.OK);
        var refused = statuses.Count(s => s == HttpStatusCode.TooManyRequests);
        Assert.InRange(admitted, GeneralLimit * 99 / 100, GeneralLimit * 101 / 100);
        Assert.Equal(GeneralLimit * 2, admitted + refused);
    }

    [Fact]
    public async Task EveryLimitedResponseCarriesThePolicyAndTheRemainingQuota()
    {
        using var client = replicas[0].CreateClient();
        var key = IssuedKey();

        using var first = await SendAsync(client, "/api/tags", key);
        using var second = await SendAsync(client, "/api/tags", key);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal($"\"general\";q={GeneralLimit};w=3600", first.HeaderValue("RateLimit-Policy"));
        Assert.StartsWith($"\"general\";r={GeneralLimit - 1};t=", first.HeaderValue("RateLimit"), StringComparison.Ordinal);
        Assert.StartsWith($"\"general\";r={GeneralLimit - 2};t=", second.HeaderValue("RateLimit"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoginIsLimitedMoreStrictlyAndARefusalIs429WithRetryAfterInTheErrorsFormat()
    {
        using var client = replicas[1].CreateClient();
        var key = IssuedKey();

        for (var i = 0; i < LoginLimit; i++)
        {
            // A new account each time: this is the request limit, not the failed-login count of one account.
            using var allowed = await SendAsync(client, "/api/users/login", key, WrongLogin());
            Assert.NotEqual(HttpStatusCode.TooManyRequests, allowed.StatusCode);
        }

        using var refused = await SendAsync(client, "/api/users/login", key, WrongLogin());

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("\"login\";q=5;w=3600", refused.HeaderValue("RateLimit-Policy"));
        await refused.AssertErrorsAsync(HttpStatusCode.TooManyRequests);

        // The general budget of the same key is untouched.
        using var read = await SendAsync(client, "/api/tags", key);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task RegistrationHasALimitOfItsOwnApartFromLogin()
    {
        using var client = replicas[0].CreateClient();
        var key = IssuedKey();

        var statuses = new List<HttpStatusCode>();
        var policies = new List<string>();
        for (var i = 0; i <= RegistrationLimit; i++)
        {
            using var response = await SendAsync(client, "/api/users", key, NewUser("limited"));
            statuses.Add(response.StatusCode);
            policies.Add(response.HeaderValue("RateLimit-Policy"));
        }

        using var login = await SendAsync(client, "/api/users/login", key, WrongLogin());

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Created, RegistrationLimit).Append(HttpStatusCode.TooManyRequests), statuses);
        Assert.All(policies, policy => Assert.Equal($"\"registration\";q={RegistrationLimit};w=3600", policy));
        // Registrations spent nothing of the login budget.
        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
        Assert.StartsWith($"\"login\";r={LoginLimit - 1};t=", login.HeaderValue("RateLimit"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATokenIsNoNewRegistrationQuotaSoNewAccountsCannotMintMore()
    {
        using var client = replicas[1].CreateClient();
        var key = IssuedKey();
        using var first = await SendAsync(client, "/api/users", key, NewUser("minting"));
        var token = (await first.ReadJsonAsync(HttpStatusCode.Created)).GetProperty("user").Str("token");

        using var withToken = await SendAsync(client, "/api/users", key, NewUser("minting"), token);

        // The key's quota, one down, not a fresh one for the new account's user.
        Assert.StartsWith($"\"registration\";r={RegistrationLimit - 2};t=", withToken.HeaderValue("RateLimit"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSuitesRaisedRegistrationLimitReachesTheTopologysReplicasAndTheInProcessApi()
    {
        // The suite registers hundreds of users from one address: SuiteSettings raise the limit for every Api it starts.
        await using var inProcess = new ConduitApiFactory(topology.App);
        var expected = $"\"registration\";q={SuiteSettings.Values["RateLimiting:Registration:PermitLimit"]};w=3600";

        foreach (var client in new[] { topology.App.CreateHttpClient(), topology.App.CreateHttpClient("api", 0), topology.App.CreateHttpClient("api", 1), inProcess.CreateClient() })
        {
            using (client)
            using (var response = await client.PostAsJsonAsync("/api/users", NewUser("raised")))
            {
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                Assert.Equal(expected, response.HeaderValue("RateLimit-Policy"));
            }
        }
    }

    [Fact]
    public async Task ATokenIsItsUsersQuotaWhicheverKeyOrReplicaItComesThrough()
    {
        var clients = replicas.Select(r => r.CreateClient()).ToArray();
        var (first, second) = (IssuedKey(), IssuedKey());
        using var registered = await SendAsync(clients[0], "/api/users", IssuedKey(), NewUser("quota"));
        var token = (await registered.ReadJsonAsync(HttpStatusCode.Created)).GetProperty("user").Str("token");

        using var viaFirst = await SendAsync(clients[0], "/api/user", first, token: token);
        using var viaSecond = await SendAsync(clients[1], "/api/user", second, token: token);
        using var keyAlone = await SendAsync(clients[1], "/api/tags", second);

        // One partition (the user) across both keys and both replicas; the key without the token is a quota of its own.
        Assert.Equal(HttpStatusCode.OK, viaSecond.StatusCode);
        Assert.Equal(Remaining(viaFirst) - 1, Remaining(viaSecond));
        Assert.Equal(GeneralLimit - 1, Remaining(keyAlone));
    }

    [Fact]
    public async Task WithRedisUnreachableEachReplicaStillLimitsLocally()
    {
        await using var isolated = new LimitedApi(topology.App, null);
        using var client = isolated.CreateClient();
        var key = IssuedKey();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < LoginLimit * 2; i++)
        {
            using var response = await SendAsync(client, "/api/users/login", key, WrongLogin());
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(LoginLimit, statuses.Count(s => s != HttpStatusCode.TooManyRequests));
        Assert.DoesNotContain(HttpStatusCode.InternalServerError, statuses);
    }

    [Fact]
    public async Task AnUnknownApiKeyIsCountedAsItsClientsAddressSoANewKeyIsNoNewQuota()
    {
        using var client = replicas[0].CreateClient();

        using var first = await SendAsync(client, "/api/tags", ConduitClient.UniqueName("unknown"));
        using var second = await SendAsync(client, "/api/tags", ConduitClient.UniqueName("unknown"));

        // Both draw on one partition (the address), so the second has less left; two partitions would each be full.
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.True(Remaining(second) < Remaining(first), $"{first.HeaderValue("RateLimit")} then {second.HeaderValue("RateLimit")}");
    }

    [Fact]
    public async Task TheApiPrefixIsLimitedWhateverItsCase()
    {
        using var client = replicas[1].CreateClient();
        var key = IssuedKey();

        // Routing ignores the path's case, so the limiter must too: else /API/users/login would escape the login limit.
        using var upper = await SendAsync(client, "/API/Users/Login", key, WrongLogin());
        using var lower = await SendAsync(client, "/api/users/login", key, WrongLogin());

        Assert.Equal(HttpStatusCode.Unauthorized, upper.StatusCode);
        Assert.Equal($"\"login\";q={LoginLimit};w=3600", upper.HeaderValue("RateLimit-Policy"));
        Assert.StartsWith($"\"login\";r={LoginLimit - 2};t=", lower.HeaderValue("RateLimit"), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (var replica in replicas)
        {
            replica.Dispose();
        }
    }

    private static string IssuedKey() => ApiKeys[Interlocked.Increment(ref nextKey)];

    // A wrong password for an email no one has: new each time, so no account's failed-login count gets in the way.
    private static object WrongLogin() => new { user = new { email = $"{ConduitClient.UniqueName("nobody")}@example.com", password = "wrong password" } };

    private static object NewUser(string prefix)
    {
        var name = ConduitClient.UniqueName(prefix);
        return new { user = new { username = name, email = $"{name}@example.com", password = "password123" } };
    }

    private static int Remaining(HttpResponseMessage response) =>
        int.Parse(response.HeaderValue("RateLimit").Split(';')[1]["r=".Length..], System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<HttpStatusCode> GetTagsAsync(HttpClient client, string key)
    {
        using var response = await SendAsync(client, "/api/tags", key);
        return response.StatusCode;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string apiKey, object? body = null, string? token = null)
    {
        using var request = new HttpRequestMessage(body is null ? HttpMethod.Get : HttpMethod.Post, path);
        request.Headers.Add("X-Api-Key", apiKey);
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Token", token);
        }

        if (body is not null)
        {
            request.Content = System.Net.Http.Json.JsonContent.Create(body);
        }

        return await client.SendAsync(request);
    }


    // The Api with low limits. cacheConnection null points Redis at a closed port: the shared limiter is unreachable.
    private sealed class LimitedApi(RunningAppHost topology, string? cacheConnection) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var name in new[] { "conduit", "conduit-read", "messaging" })
            {
                builder.UseSetting($"ConnectionStrings:{name}", topology.GetConnectionString(name));
            }

            foreach (var (key, value) in SuiteSettings.Values)
            {
                builder.UseSetting(key, value);
            }

            builder.UseSetting("ConnectionStrings:cache", cacheConnection is null ? "127.0.0.1:1,connectTimeout=200" : topology.GetConnectionString(cacheConnection));
            builder.UseSetting("Jwt:SigningKey", SigningKey);
            builder.UseSetting("RateLimiting:General:PermitLimit", GeneralLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("RateLimiting:General:Window", "01:00:00");
            builder.UseSetting("RateLimiting:Login:PermitLimit", LoginLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("RateLimiting:Login:Window", "01:00:00");
            builder.UseSetting("RateLimiting:Registration:PermitLimit", RegistrationLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("RateLimiting:Registration:Window", "01:00:00");
            for (var i = 0; i < ApiKeys.Length; i++)
            {
                builder.UseSetting($"RateLimiting:ApiKeys:{i}", Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ApiKeys[i]))));
            }

            builder.UseEnvironment("Development");
        }
    }
}
