using System.Net;
using System.Text.Json;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Caching;

// The shared output cache, seen through both replicas and the balancer of the shared topology. A hit carries an Age
// header (the output cache adds it when it answers from the store), which is how these tests tell a hit from a miss.
[Collection(SharedTopology.Name)]
public sealed class OutputCacheTests(SharedTopologyFixture topology) : IDisposable
{
    private static readonly TimeSpan HitDeadline = TimeSpan.FromSeconds(20);

    private readonly HttpClient[] clients =
        [topology.App.CreateHttpClient("api", 0), topology.App.CreateHttpClient("api", 1), topology.App.CreateHttpClient()];

    private ConduitClient Gateway => new(clients[2]);

    [Fact]
    public async Task AnArticleCachedByOneReplicaIsServedFromTheCacheByTheOtherAndTheBalancer()
    {
        var author = await Gateway.RegisterAsync("cached");
        var slug = (await Gateway.CreateArticleAsync(author)).Str("slug");
        await topology.App.WaitForReplicaAsync();

        await WaitForHitAsync(clients[0], $"/api/articles/{slug}");

        foreach (var client in clients[1..])
        {
            using var response = await new ConduitClient(client).GetAsync($"/api/articles/{slug}");
            await response.ReadJsonAsync(HttpStatusCode.OK);
            Assert.NotNull(response.Headers.Age);
        }
    }

    [Fact]
    public async Task AfterAnEditNoReplicaNorTheBalancerServesTheOldArticle()
    {
        var author = await Gateway.RegisterAsync("editor");
        var slug = (await Gateway.CreateArticleAsync(author, body: "old body")).Str("slug");
        await topology.App.WaitForReplicaAsync();
        await WaitForHitAsync(clients[0], $"/api/articles/{slug}");
        await WaitForHitAsync(clients[0], $"/api/articles/{slug}", author.Token);

        using (var edit = await Gateway.SendAsync(HttpMethod.Put, $"/api/articles/{slug}", new { article = new { body = "new body" } }, author.Token))
        {
            await edit.ReadJsonAsync(HttpStatusCode.OK);
        }

        // The author reads their own write at once (read-your-writes), whichever way the request goes.
        foreach (var client in clients)
        {
            Assert.Equal("new body", await BodyAsync(client, slug, author.Token));
        }

        // Anonymous readers may read the replica before it replays the edit, but what they read then must not be cached:
        // once the replica has caught up, everyone sees the edit.
        foreach (var client in clients)
        {
            await BodyAsync(client, slug, null);
        }

        await topology.App.WaitForReplicaAsync();
        foreach (var client in clients)
        {
            Assert.Equal("new body", await BodyAsync(client, slug, null));
        }
    }

    [Fact]
    public async Task AFavoriteShowsOnlyInTheViewsOfTheUserWhoFavoritedAndUpdatesTheCountForEveryone()
    {
        var author = await Gateway.RegisterAsync("author");
        var fan = await Gateway.RegisterAsync("fan");
        var other = await Gateway.RegisterAsync("other");
        var slug = (await Gateway.CreateArticleAsync(author)).Str("slug");
        await topology.App.WaitForReplicaAsync();
        foreach (var user in new[] { fan, other })
        {
            await WaitForHitAsync(clients[0], $"/api/articles/{slug}", user.Token);
        }

        await Gateway.FavoriteAsync(fan, slug);
        await topology.App.WaitForReplicaAsync();

        foreach (var client in clients)
        {
            var conduit = new ConduitClient(client);
            var seenByFan = (await conduit.GetOkAsync($"/api/articles/{slug}", fan.Token)).GetProperty("article");
            var seenByOther = (await conduit.GetOkAsync($"/api/articles/{slug}", other.Token)).GetProperty("article");
            var seenByAnonymous = (await conduit.GetOkAsync($"/api/articles/{slug}")).GetProperty("article");
            Assert.True(seenByFan.GetProperty("favorited").GetBoolean());
            Assert.False(seenByOther.GetProperty("favorited").GetBoolean());
            Assert.False(seenByAnonymous.GetProperty("favorited").GetBoolean());
            Assert.Equal(1, seenByOther.GetProperty("favoritesCount").GetInt32());
        }
    }

    [Fact]
    public async Task AFollowShowsOnlyInTheFollowersViewOfTheProfile()
    {
        var author = await Gateway.RegisterAsync("followed");
        var follower = await Gateway.RegisterAsync("follower");
        var other = await Gateway.RegisterAsync("stranger");
        await topology.App.WaitForReplicaAsync();
        await WaitForHitAsync(clients[0], $"/api/profiles/{author.Username}", follower.Token);
        await WaitForHitAsync(clients[0], $"/api/profiles/{author.Username}", other.Token);

        await Gateway.FollowAsync(follower, author.Username);

        foreach (var client in clients)
        {
            var conduit = new ConduitClient(client);
            Assert.True(Following(await conduit.GetOkAsync($"/api/profiles/{author.Username}", follower.Token)));
            Assert.False(Following(await conduit.GetOkAsync($"/api/profiles/{author.Username}", other.Token)));
        }
    }

    [Fact]
    public async Task AProfileUpdateReachesEveryCachedArticleAndCommentThatEmbedsIt()
    {
        var author = await Gateway.RegisterAsync("renamed");
        var slug = (await Gateway.CreateArticleAsync(author)).Str("slug");
        await Gateway.CommentAsync(author, slug, "first");
        await topology.App.WaitForReplicaAsync();
        await WaitForHitAsync(clients[0], $"/api/articles/{slug}");
        await WaitForHitAsync(clients[0], $"/api/articles/{slug}/comments");

        using (var update = await Gateway.SendAsync(HttpMethod.Put, "/api/user", new { user = new { bio = "a new bio" } }, author.Token))
        {
            await update.ReadJsonAsync(HttpStatusCode.OK);
        }

        await topology.App.WaitForReplicaAsync();
        foreach (var client in clients)
        {
            var conduit = new ConduitClient(client);
            var article = (await conduit.GetOkAsync($"/api/articles/{slug}")).GetProperty("article");
            var comment = (await conduit.GetOkAsync($"/api/articles/{slug}/comments")).GetProperty("comments")[0];
            Assert.Equal("a new bio", article.GetProperty("author").Str("bio"));
            Assert.Equal("a new bio", comment.GetProperty("author").Str("bio"));
        }
    }

    [Fact]
    public async Task ANewCommentAppearsInTheCachedCommentListOnEveryReplica()
    {
        var author = await Gateway.RegisterAsync("commenter");
        var slug = (await Gateway.CreateArticleAsync(author)).Str("slug");
        await topology.App.WaitForReplicaAsync();
        await WaitForHitAsync(clients[0], $"/api/articles/{slug}/comments", author.Token);

        await Gateway.CommentAsync(author, slug, "fresh comment");

        foreach (var client in clients)
        {
            var comments = (await new ConduitClient(client).GetOkAsync($"/api/articles/{slug}/comments", author.Token)).GetProperty("comments");
            Assert.Equal("fresh comment", Assert.Single(comments.EnumerateArray()).Str("body"));
        }
    }

    // The writes that take something away (unfavorite, unfollow, deleting a comment or an article) and the ones that
    // change a list (a new article, an edit): every view cached on a replica, in Redis or at the balancer, follows.
    [Fact]
    public async Task UndoingWritesAndDeletesReachEveryCachedViewOnEveryReplicaAndTheBalancer()
    {
        var author = await Gateway.RegisterAsync("undone");
        var fan = await Gateway.RegisterAsync("undoer");
        var slug = (await Gateway.CreateArticleAsync(author, description: "first description")).Str("slug");
        var commentId = (await Gateway.CommentAsync(author, slug, "soon gone")).GetProperty("id").GetInt32();
        await Gateway.FavoriteAsync(fan, slug);
        await Gateway.FollowAsync(fan, author.Username);
        await topology.App.WaitForReplicaAsync();

        var article = $"/api/articles/{slug}";
        var comments = $"/api/articles/{slug}/comments";
        var byAuthor = $"/api/articles?author={author.Username}";
        var profile = $"/api/profiles/{author.Username}";
        await WaitForHitAsync(clients[0], article, fan.Token);
        await WaitForHitAsync(clients[0], profile, fan.Token);
        foreach (var path in new[] { article, comments, byAuthor })
        {
            await WaitForHitAsync(clients[0], path);
            await GatewayProbes.WaitForGatewayHitAsync(clients[2], path);
        }

        await SucceedAsync(HttpMethod.Delete, $"{article}/favorite", fan);
        await SucceedAsync(HttpMethod.Delete, $"{profile}/follow", fan);
        await SucceedAsync(HttpMethod.Delete, $"{comments}/{commentId}", author);
        var second = (await Gateway.CreateArticleAsync(author)).Str("slug");
        await SucceedAsync(HttpMethod.Put, article, author, new { article = new { description = "second description" } });
        await topology.App.WaitForReplicaAsync();

        foreach (var client in clients)
        {
            var conduit = new ConduitClient(client);
            var seenByFan = (await conduit.GetOkAsync(article, fan.Token)).GetProperty("article");
            Assert.False(seenByFan.GetProperty("favorited").GetBoolean());
            Assert.Equal(0, seenByFan.GetProperty("favoritesCount").GetInt32());
            Assert.False(seenByFan.GetProperty("author").GetProperty("following").GetBoolean());
            Assert.False(Following(await conduit.GetOkAsync(profile, fan.Token)));
            Assert.Empty((await conduit.GetOkAsync(comments)).GetProperty("comments").EnumerateArray());
            var listed = (await conduit.GetOkAsync(byAuthor)).GetProperty("articles").EnumerateArray().ToArray();
            Assert.Equal([second, slug], listed.Select(a => a.Str("slug")));
            Assert.Equal("second description", listed[1].Str("description"));
        }

        await SucceedAsync(HttpMethod.Delete, article, author);
        await topology.App.WaitForReplicaAsync();

        foreach (var client in clients)
        {
            var conduit = new ConduitClient(client);
            using (var gone = await conduit.GetAsync(article))
            {
                Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            }

            var listed = (await conduit.GetOkAsync(byAuthor)).GetProperty("articles").EnumerateArray();
            Assert.Equal([second], listed.Select(a => a.Str("slug")));
        }
    }

    [Fact]
    public async Task AnInvalidTokenIsRejectedEvenWhereAnAnonymousEntryIsCached()
    {
        var author = await Gateway.RegisterAsync("tokens");
        var slug = (await Gateway.CreateArticleAsync(author)).Str("slug");
        await topology.App.WaitForReplicaAsync();
        await WaitForHitAsync(clients[0], $"/api/articles/{slug}");

        using var response = await new ConduitClient(clients[0]).GetAsync($"/api/articles/{slug}", "not-a-jwt");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    public void Dispose()
    {
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    private async Task SucceedAsync(HttpMethod method, string path, TestUser user, object? body = null)
    {
        using var response = await Gateway.SendAsync(method, path, body, user.Token);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode}");
    }

    private static bool Following(JsonElement profileEnvelope) => profileEnvelope.GetProperty("profile").GetProperty("following").GetBoolean();

    private static async Task<string> BodyAsync(HttpClient client, string slug, string? token) =>
        (await new ConduitClient(client).GetOkAsync($"/api/articles/{slug}", token)).GetProperty("article").Str("body");

    // Reads until the answer comes from the cache. Not a fixed wait: a fill is skipped while a write that touched one of
    // the entry's tags is recent (the stale-fill guard), so the first reads after a write may all be misses.
    internal static async Task WaitForHitAsync(HttpClient client, string path, string? token = null)
    {
        var conduit = new ConduitClient(client);
        var deadline = DateTime.UtcNow + HitDeadline;
        while (true)
        {
            using var response = await conduit.GetAsync(path, token);
            await response.ReadJsonAsync(HttpStatusCode.OK);
            if (response.Headers.Age is not null)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"GET {path} was never answered from the output cache.");
            await Task.Delay(200);
        }
    }
}
