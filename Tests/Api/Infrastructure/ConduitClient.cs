using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace AspireScale.Tests.Api.Infrastructure;

public sealed record TestUser(string Username, string Email, string Password, string Token);

// The Conduit API as tests speak it: raw requests for asserting statuses, plus shortcuts that set up data and assert success.
public sealed class ConduitClient(HttpClient http)
{
    public HttpClient Http => http;

    // Short enough for any sane username limit, unique enough that tests never share data.
    public static string UniqueName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..12];

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, string? token = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Token", token);
        }

        return await http.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? token = null) => SendAsync(HttpMethod.Get, path, null, token);

    public async Task<JsonElement> GetOkAsync(string path, string? token = null)
    {
        using var response = await GetAsync(path, token);
        return await response.ReadJsonAsync(HttpStatusCode.OK);
    }

    public async Task<TestUser> RegisterAsync(string prefix = "user")
    {
        var username = UniqueName(prefix);
        var email = $"{username}@example.com";
        const string password = "correct horse battery";
        using var response = await SendAsync(HttpMethod.Post, "/api/users",
            new { user = new { username, email, password } });
        var json = await response.ReadJsonAsync(HttpStatusCode.Created);
        return new TestUser(username, email, password, json.GetProperty("user").GetProperty("token").GetString()!);
    }

    public async Task<JsonElement> CreateArticleAsync(
        TestUser author, string? title = null, string[]? tags = null, string description = "A description", string body = "A body")
    {
        var article = new { title = title ?? UniqueName("Title "), description, body, tagList = tags ?? [] };
        using var response = await SendAsync(HttpMethod.Post, "/api/articles", new { article }, author.Token);
        var json = await response.ReadJsonAsync(HttpStatusCode.Created);
        return json.GetProperty("article");
    }

    public async Task<JsonElement> FollowAsync(TestUser follower, string username)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/api/profiles/{username}/follow", null, follower.Token);
        return (await response.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("profile");
    }

    public async Task<JsonElement> FavoriteAsync(TestUser user, string slug)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/api/articles/{slug}/favorite", null, user.Token);
        return (await response.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("article");
    }

    public async Task<JsonElement> CommentAsync(TestUser user, string slug, string body)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/api/articles/{slug}/comments", new { comment = new { body } }, user.Token);
        return (await response.ReadJsonAsync(HttpStatusCode.Created)).GetProperty("comment");
    }
}
