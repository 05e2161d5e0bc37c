using System.Globalization;
using System.Net;
using System.Text.Json;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Api;

// Current RealWorld conventions: a new password has at least 8 characters (login does not apply the minimum), and a 404
// names the resource of the path that is missing, outermost first; the OpenAPI documents say both.
[Collection(SharedTopology.Name)]
public sealed class ErrorConventionsTests(SharedTopologyFixture topology, InProcessApi api) : IClassFixture<InProcessApi>
{
    private const string TooShort = "is too short (minimum is 8 characters)";

    private readonly ConduitClient conduit = new(api.For(topology.App).CreateClient());

    [Theory]
    [InlineData("seven77")]
    [InlineData("🔑🔑🔑🔑")] // 8 UTF-16 units but 4 characters
    [InlineData("  pass ")]
    public async Task RegisteringWithAPasswordShorterThanEightCharactersReturns422OnPassword(string password)
    {
        var username = ConduitClient.UniqueName("shortpw");
        var email = $"{username}@example.com";

        using var response = await conduit.SendAsync(HttpMethod.Post, "/api/users", new { user = new { username, email, password } });

        AssertOnly("password", TooShort, await response.AssertErrorsAsync(HttpStatusCode.UnprocessableEntity));
        // Nothing was stored: the same name and email register once the password is long enough.
        using var retry = await conduit.SendAsync(HttpMethod.Post, "/api/users", new { user = new { username, email, password = "sunshine" } });
        await retry.ReadJsonAsync(HttpStatusCode.Created);
    }

    // The primary unreachable (restarting, failing over): a clear 503 naming the database, with Retry-After; never a 500.
    [Fact]
    public async Task AWriteWhileThePrimaryIsUnreachableIs503OnDatabaseWithRetryAfter()
    {
        await using var primaryDown = new ConduitApiFactory(topology.App,
            ("ConnectionStrings:conduit", "Host=127.0.0.1;Port=1;Username=conduit;Password=none;Database=conduit;Timeout=2"),
            ("Npgsql:conduit:DisableRetry", "true"));
        var client = new ConduitClient(primaryDown.CreateClient());
        var username = ConduitClient.UniqueName("down");

        using var response = await client.SendAsync(HttpMethod.Post, "/api/users",
            new { user = new { username, email = $"{username}@example.com", password = "sunshine" } });

        AssertOnly("database", "is unavailable, try again", await response.AssertErrorsAsync(HttpStatusCode.ServiceUnavailable));
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task AShortPasswordIsReportedWithTheOtherInvalidFields()
    {
        using var response = await conduit.SendAsync(HttpMethod.Post, "/api/users",
            new { user = new { username = ConduitClient.UniqueName("many"), email = "not-an-email", password = "abc" } });

        var errors = await response.AssertErrorsAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["email", "password"], errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal([TooShort], errors.GetProperty("password").EnumerateArray().Select(m => m.GetString()));
    }

    [Theory]
    [InlineData("sunshine")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public async Task RegisteringWithAnEightOrSixtyFourCharacterPasswordSucceedsAndLogsIn(string password)
    {
        var username = ConduitClient.UniqueName("okpw");
        var email = $"{username}@example.com";

        using var response = await conduit.SendAsync(HttpMethod.Post, "/api/users", new { user = new { username, email, password } });

        await response.ReadJsonAsync(HttpStatusCode.Created);
        using var login = await conduit.SendAsync(HttpMethod.Post, "/api/users/login", new { user = new { email, password } });
        Assert.Equal(username, (await login.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("user").Str("username"));
    }

    [Fact]
    public async Task APasswordLongerThanTheMaximumIsStillRejected()
    {
        var username = ConduitClient.UniqueName("longpw");

        using var response = await conduit.SendAsync(HttpMethod.Post, "/api/users",
            new { user = new { username, email = $"{username}@example.com", password = new string('p', 257) } });

        AssertOnly("password", "is too long (maximum is 256 characters)", await response.AssertErrorsAsync(HttpStatusCode.UnprocessableEntity));
    }

    [Fact]
    public async Task UpdatingToASevenCharacterPasswordReturns422AndKeepsTheOldOne()
    {
        var registered = await conduit.RegisterAsync("updshort");

        using var update = await conduit.SendAsync(HttpMethod.Put, "/api/user", new { user = new { password = "seven77" } }, registered.Token);

        AssertOnly("password", TooShort, await update.AssertErrorsAsync(HttpStatusCode.UnprocessableEntity));
        using var login = await conduit.SendAsync(HttpMethod.Post, "/api/users/login",
            new { user = new { email = registered.Email, password = registered.Password } });
        await login.ReadJsonAsync(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("sunshine")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public async Task UpdatingToAnEightOrSixtyFourCharacterPasswordLetsItLogIn(string password)
    {
        var registered = await conduit.RegisterAsync("updok");

        using var update = await conduit.SendAsync(HttpMethod.Put, "/api/user", new { user = new { password } }, registered.Token);

        await update.ReadJsonAsync(HttpStatusCode.OK);
        using var login = await conduit.SendAsync(HttpMethod.Post, "/api/users/login", new { user = new { email = registered.Email, password } });
        await login.ReadJsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task LoggingInWithAFiveCharacterWrongPasswordIsAFailedLoginNotAValidationError()
    {
        var registered = await conduit.RegisterAsync("login5");

        using var response = await conduit.SendAsync(HttpMethod.Post, "/api/users/login",
            new { user = new { email = registered.Email, password = "short" } });

        var errors = await response.AssertErrorsAsync(HttpStatusCode.Unauthorized);
        Assert.False(errors.TryGetProperty("password", out _), $"login must not apply the minimum: {errors}");
    }

    [Fact]
    public async Task DeletingACommentOfAnUnknownArticleNamesTheArticle()
    {
        var author = await conduit.RegisterAsync("author");
        var slug = (await conduit.CreateArticleAsync(author)).Str("slug");
        var commentId = (await conduit.CommentAsync(author, slug, "exists")).GetProperty("id").GetInt64();
        var missing = ConduitClient.UniqueName("missing-");

        // Whatever the id: one that exists (elsewhere), one that never did, one that is not a number.
        foreach (var id in new[] { commentId.ToString(CultureInfo.InvariantCulture), "999999999999", "abc" })
        {
            using var response = await conduit.SendAsync(HttpMethod.Delete, $"/api/articles/{missing}/comments/{id}", null, author.Token);
            AssertOnly("article", "not found", await response.AssertErrorsAsync(HttpStatusCode.NotFound));
        }

        Assert.Single((await conduit.GetOkAsync($"/api/articles/{slug}/comments", author.Token)).GetProperty("comments").EnumerateArray());
    }

    [Fact]
    public async Task DeletingAMissingCommentOfAnExistingArticleNamesTheComment()
    {
        var author = await conduit.RegisterAsync("author");
        var slug = (await conduit.CreateArticleAsync(author)).Str("slug");
        var otherSlug = (await conduit.CreateArticleAsync(author)).Str("slug");
        var elsewhere = (await conduit.CommentAsync(author, otherSlug, "on the other article")).GetProperty("id").GetInt64();

        foreach (var id in new[] { "999999999999", elsewhere.ToString(CultureInfo.InvariantCulture), "abc", "0" })
        {
            using var response = await conduit.SendAsync(HttpMethod.Delete, $"/api/articles/{slug}/comments/{id}", null, author.Token);
            AssertOnly("comment", "not found", await response.AssertErrorsAsync(HttpStatusCode.NotFound));
        }

        Assert.Single((await conduit.GetOkAsync($"/api/articles/{otherSlug}/comments", author.Token)).GetProperty("comments").EnumerateArray());
    }

    [Fact]
    public async Task DeletingSomeoneElsesCommentIsForbiddenOnTheComment()
    {
        var author = await conduit.RegisterAsync("author");
        var intruder = await conduit.RegisterAsync("intruder");
        var slug = (await conduit.CreateArticleAsync(author)).Str("slug");
        var commentId = (await conduit.CommentAsync(author, slug, "mine")).GetProperty("id").GetInt64();

        using var response = await conduit.SendAsync(HttpMethod.Delete, $"/api/articles/{slug}/comments/{commentId}", null, intruder.Token);

        AssertOnly("comment", "forbidden", await response.AssertErrorsAsync(HttpStatusCode.Forbidden));
    }

    [Fact]
    public async Task CommentsAndFavoritesOfAnUnknownArticleNameTheArticle()
    {
        var user = await conduit.RegisterAsync("user");
        var missing = ConduitClient.UniqueName("missing-");

        using var list = await conduit.GetAsync($"/api/articles/{missing}/comments", user.Token);
        AssertOnly("article", "not found", await list.AssertErrorsAsync(HttpStatusCode.NotFound));
        using var add = await conduit.SendAsync(HttpMethod.Post, $"/api/articles/{missing}/comments", new { comment = new { body = "x" } }, user.Token);
        AssertOnly("article", "not found", await add.AssertErrorsAsync(HttpStatusCode.NotFound));
        using var favorite = await conduit.SendAsync(HttpMethod.Post, $"/api/articles/{missing}/favorite", null, user.Token);
        AssertOnly("article", "not found", await favorite.AssertErrorsAsync(HttpStatusCode.NotFound));
        using var unfavorite = await conduit.SendAsync(HttpMethod.Delete, $"/api/articles/{missing}/favorite", null, user.Token);
        AssertOnly("article", "not found", await unfavorite.AssertErrorsAsync(HttpStatusCode.NotFound));
        using var v2 = await conduit.GetAsync($"/api/v2/articles/{missing}?fields=title", user.Token);
        AssertOnly("article", "not found", await v2.AssertErrorsAsync(HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task FollowingOrUnfollowingAnUnknownUserNamesTheProfile()
    {
        var fan = await conduit.RegisterAsync("fan");
        var ghost = ConduitClient.UniqueName("ghost");

        using var follow = await conduit.SendAsync(HttpMethod.Post, $"/api/profiles/{ghost}/follow", null, fan.Token);
        AssertOnly("profile", "not found", await follow.AssertErrorsAsync(HttpStatusCode.NotFound));
        using var unfollow = await conduit.SendAsync(HttpMethod.Delete, $"/api/profiles/{ghost}/follow", null, fan.Token);
        AssertOnly("profile", "not found", await unfollow.AssertErrorsAsync(HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task AnUnknownJobOrItsResultNamesTheJob()
    {
        var user = await conduit.RegisterAsync("jobs");

        foreach (var path in new[] { $"/api/v2/jobs/{Guid.NewGuid()}", $"/api/v2/jobs/{Guid.NewGuid()}/result", "/api/v2/jobs/not-a-guid" })
        {
            using var response = await conduit.GetAsync(path, user.Token);
            AssertOnly("job", "not found", await response.AssertErrorsAsync(HttpStatusCode.NotFound));
        }
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesTheShortPassword422AndTheNotFoundKeys()
    {
        var document = await conduit.GetOkAsync("/openapi/v1.json");
        var paths = document.GetProperty("paths");

        // The password rule on the two endpoints that set one, in the schema and as an example; not on login.
        foreach (var (path, method) in new[] { ("/api/users", "post"), ("/api/user", "put") })
        {
            var invalid = paths.GetProperty(path).GetProperty(method).GetProperty("responses").GetProperty("422");
            Assert.Contains("\"password\" when it has fewer than 8 characters", invalid.Str("description"), StringComparison.Ordinal);
            Assert.Equal(TooShort, ExampleErrors(invalid, "password").GetProperty("password")[0].GetString());
        }

        var login = paths.GetProperty("/api/users/login").GetProperty("post").GetProperty("responses").GetProperty("422");
        Assert.DoesNotContain("minimum", login.GetRawText(), StringComparison.Ordinal);
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var schema in new[] { "NewUser", "UpdateUser" })
        {
            var password = schemas.GetProperty(schema).GetProperty("properties").GetProperty("password");
            Assert.Equal(8, password.GetProperty("minLength").GetInt32());
            Assert.Equal(256, password.GetProperty("maxLength").GetInt32());
        }

        Assert.False(schemas.GetProperty("LoginUser").GetProperty("properties").GetProperty("password").TryGetProperty("minLength", out _));

        // The nested delete lists the article before the comment, as the API checks them.
        var notFound = paths.GetProperty("/api/articles/{slug}/comments/{id}").GetProperty("delete").GetProperty("responses").GetProperty("404");
        var description = notFound.Str("description");
        Assert.Contains("outermost first", description, StringComparison.Ordinal);
        var article = description.IndexOf("\"article\"", StringComparison.Ordinal);
        Assert.True(article >= 0 && description.IndexOf("\"comment\"", StringComparison.Ordinal) > article, description);
        Assert.Equal("not found", ExampleErrors(notFound, "article").GetProperty("article")[0].GetString());
        Assert.Equal("not found", ExampleErrors(notFound, "comment").GetProperty("comment")[0].GetString());

        // Every other route with a path parameter names its resource.
        foreach (var (path, method, key) in new[]
        {
            ("/api/articles/{slug}/comments", "get", "article"),
            ("/api/articles/{slug}/comments", "post", "article"),
            ("/api/articles/{slug}/favorite", "post", "article"),
            ("/api/articles/{slug}/favorite", "delete", "article"),
            ("/api/articles/{slug}", "get", "article"),
            ("/api/profiles/{username}/follow", "post", "profile"),
            ("/api/profiles/{username}/follow", "delete", "profile"),
        })
        {
            var response = paths.GetProperty(path).GetProperty(method).GetProperty("responses").GetProperty("404");
            Assert.Equal("not found", ExampleErrors(response, key).GetProperty(key)[0].GetString());
        }

        var v2 = (await conduit.GetOkAsync("/openapi/v2.json")).GetProperty("paths");
        foreach (var (path, key) in new[] { ("/api/v2/articles/{slug}", "article"), ("/api/v2/jobs/{id}", "job"), ("/api/v2/jobs/{id}/result", "job") })
        {
            var response = v2.GetProperty(path).GetProperty("get").GetProperty("responses").GetProperty("404");
            Assert.Equal("not found", ExampleErrors(response, key).GetProperty(key)[0].GetString());
        }
    }

    private static void AssertOnly(string key, string message, JsonElement errors)
    {
        Assert.Equal([key], errors.EnumerateObject().Select(e => e.Name));
        Assert.Equal([message], errors.GetProperty(key).EnumerateArray().Select(m => m.GetString()));
    }

    // The "errors" object of a response's named example.
    private static JsonElement ExampleErrors(JsonElement response, string example) =>
        response.GetProperty("content").GetProperty("application/json").GetProperty("examples").GetProperty(example).GetProperty("value").GetProperty("errors");
}
