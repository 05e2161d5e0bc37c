using System.Net;
using System.Net.Http.Headers;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;
using Npgsql;

namespace AspireScale.Tests.Api;

// Through the balancer, over two API replicas, a primary and a hot standby: what only the real topology can show.
[Collection(SharedTopology.Name)]
public sealed class BalancedTopologyTests(SharedTopologyFixture topology)
{
    private readonly ConduitClient conduit = new(topology.App.CreateHttpClient());

    [Fact]
    public async Task TheBalancerSpreadsRequestsOverBothApiReplicas()
    {
        var instances = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 20 && instances.Count < 2; i++)
        {
            // "/" (the service info) is never cached: a balancer cache hit would repeat one replica's X-Instance.
            using var response = await conduit.GetAsync("/");
            await response.ReadJsonAsync(HttpStatusCode.OK);
            instances.UnionWith(response.Headers.TryGetValues("X-Instance", out var values) ? values : []);
        }

        Assert.Equal(2, instances.Count);
    }

    [Fact]
    public async Task AHeaderValueBeyondAsciiIsPassedOnNotAnsweredWithABadGateway()
    {
        // Kestrel accepts UTF-8 in header values; the balancer's own client must send them on as it got them, or it fails
        // the request (502), retries it on every replica and marks them unhealthy for a client's odd header.
        using var handler = new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => System.Text.Encoding.UTF8 };
        using var http = new HttpClient(handler) { BaseAddress = topology.App.GatewayUrl };
        // "/" is never cached, so each request goes through the balancer's client to a replica.
        using var info = new HttpRequestMessage(HttpMethod.Get, "/");
        info.Headers.TryAddWithoutValidation("X-Client-Note", "café");
        using var me = new HttpRequestMessage(HttpMethod.Get, "/api/user");
        me.Headers.TryAddWithoutValidation("Authorization", "Token é");

        using var infoResponse = await http.SendAsync(info);
        using var meResponse = await http.SendAsync(me);

        Assert.Equal(HttpStatusCode.OK, infoResponse.StatusCode);
        await meResponse.AssertErrorsAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ATokenIssuedThroughTheBalancerWorksOnEveryApiReplica()
    {
        var user = await conduit.RegisterAsync("roaming");

        foreach (var replica in new[] { 0, 1 })
        {
            var direct = new ConduitClient(topology.App.CreateHttpClient("api", replica));
            var me = (await direct.GetOkAsync("/api/user", user.Token)).GetProperty("user");
            Assert.Equal(user.Username, me.Str("username"));
        }
    }

    [Fact]
    public async Task ConcurrentReadsOnEveryApiReplicaStayWithinItsReadPool()
    {
        var author = await conduit.RegisterAsync("pooled");
        await conduit.CreateArticleAsync(author);
        await topology.App.WaitForReplicaAsync();

        // 32 anonymous reads at once on each replica, every URL distinct so that each one misses the output cache and
        // runs its query on the standby; every one must come back right.
        foreach (var replica in new[] { 0, 1 })
        {
            var direct = new ConduitClient(topology.App.CreateHttpClient("api", replica));
            var pages = await Task.WhenAll(Enumerable.Range(0, 32).Select(i =>
                direct.GetOkAsync($"/api/articles?author={author.Username}&offset={(replica * 32) + i}")));
            Assert.All(pages, page => Assert.Equal(1, page.GetProperty("articlesCount").GetInt32()));
        }

        // Maximum Pool Size 8 (Api/appsettings.json): the requests beyond it waited for a connection instead of opening
        // one each (Npgsql's default of 100 would have let all 64 through).
        var backends = await topology.App.Replica().ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'Api' AND backend_type = 'client backend'");
        Assert.InRange(backends, 1, 16);
    }

    [Fact]
    public async Task AWriterReadsTheirOwnWritesOnEveryReplicaWhileTheStandbyIsPaused()
    {
        var user = await conduit.RegisterAsync("ryw");
        await conduit.CreateArticleAsync(user);
        await topology.App.WaitForReplicaAsync();

        await using var admin = NpgsqlDataSource.Create(topology.App.GetConnectionString("postgres-replica"));
        await PauseReplayAsync(admin);
        try
        {
            using (var update = await conduit.SendAsync(HttpMethod.Put, "/api/user", new { user = new { bio = "written while the standby sleeps" } }, user.Token))
            {
                Assert.Equal("written while the standby sleeps", (await update.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("user").Str("bio"));
            }

            var fresh = await conduit.CreateArticleAsync(user, body: "fresh body");

            // Every read, on whichever replica the balancer picks (and on each replica directly), sees both writes.
            var instances = new HashSet<string>(StringComparer.Ordinal);
            var clients = new[] { conduit, new ConduitClient(topology.App.CreateHttpClient("api", 0)), new ConduitClient(topology.App.CreateHttpClient("api", 1)) };
            for (var i = 0; i < 12; i++)
            {
                var client = clients[i % clients.Length];
                using var me = await client.GetAsync("/api/user", user.Token);
                Assert.Equal("written while the standby sleeps", (await me.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("user").Str("bio"));
                instances.UnionWith(me.Headers.TryGetValues("X-Instance", out var values) ? values : []);

                var profile = (await client.GetOkAsync($"/api/profiles/{user.Username}", user.Token)).GetProperty("profile");
                Assert.Equal("written while the standby sleeps", profile.Str("bio"));
                var article = (await client.GetOkAsync($"/api/articles/{fresh.Str("slug")}", user.Token)).GetProperty("article");
                Assert.Equal("fresh body", article.Str("body"));
                var list = await client.GetOkAsync($"/api/articles?author={user.Username}", user.Token);
                Assert.Equal(2, list.GetProperty("articlesCount").GetInt32());
            }

            Assert.Equal(2, instances.Count);

            // The lag was real: the standby itself still has neither write.
            Assert.Equal("(no bio)", await topology.App.Replica().ScalarAsync<string>("SELECT coalesce(bio, '(no bio)') FROM users WHERE username = $1", user.Username));
            Assert.Equal(0L, await topology.App.Replica().ScalarAsync<long>("SELECT count(*) FROM articles WHERE slug = $1", fresh.Str("slug")));
            Assert.Equal("written while the standby sleeps",
                await topology.App.Primary().ScalarAsync<string>("SELECT bio FROM users WHERE username = $1", user.Username));
        }
        finally
        {
            await ResumeReplayAsync(admin);
        }

        await topology.App.WaitForReplicaAsync();
        Assert.Equal("written while the standby sleeps",
            await topology.App.Replica().ScalarAsync<string>("SELECT bio FROM users WHERE username = $1", user.Username));
    }

    [Fact]
    public async Task EachWriteThatAnswersWithAViewSendsItsWritersReadsToThePrimaryWhileTheStandbyIsPaused()
    {
        // One writer per write, each registered (and given what it will undo) and replayed before the pause: only the
        // position that write itself records, read in the query it answers with, keeps its writer off the paused standby.
        var author = await conduit.RegisterAsync("rywupdate");
        var slug = (await conduit.CreateArticleAsync(author, body: "before the pause")).Str("slug");
        var creator = await conduit.RegisterAsync("rywcreate");
        var renamer = await conduit.RegisterAsync("rywuser");
        var favoriter = await conduit.RegisterAsync("rywfavorite");
        var unfavoriter = await conduit.RegisterAsync("rywunfavorite");
        await conduit.FavoriteAsync(unfavoriter, slug);
        var follower = await conduit.RegisterAsync("rywfollow");
        var unfollower = await conduit.RegisterAsync("rywunfollow");
        await conduit.FollowAsync(unfollower, author.Username);
        var commenter = await conduit.RegisterAsync("rywcomment");
        var bystander = await conduit.RegisterAsync("rywbystander");
        await topology.App.WaitForReplicaAsync();

        await using var admin = NpgsqlDataSource.Create(topology.App.GetConnectionString("postgres-replica"));
        await PauseReplayAsync(admin);
        try
        {
            using (var update = await conduit.SendAsync(HttpMethod.Put, $"/api/articles/{slug}", new { article = new { body = "while paused" } }, author.Token))
            {
                Assert.Equal("while paused", (await update.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("article").Str("body"));
            }

            var created = (await conduit.CreateArticleAsync(creator, body: "created while paused")).Str("slug");
            using (var rename = await conduit.SendAsync(HttpMethod.Put, "/api/user", new { user = new { bio = "while paused" } }, renamer.Token))
            {
                Assert.Equal("while paused", (await rename.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("user").Str("bio"));
            }

            Assert.True((await conduit.FavoriteAsync(favoriter, slug)).GetProperty("favorited").GetBoolean());
            using (var unfavorite = await conduit.SendAsync(HttpMethod.Delete, $"/api/articles/{slug}/favorite", null, unfavoriter.Token))
            {
                Assert.False((await unfavorite.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("article").GetProperty("favorited").GetBoolean());
            }

            Assert.True((await conduit.FollowAsync(follower, author.Username)).GetProperty("following").GetBoolean());
            using (var unfollow = await conduit.SendAsync(HttpMethod.Delete, $"/api/profiles/{author.Username}/follow", null, unfollower.Token))
            {
                Assert.False((await unfollow.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("profile").GetProperty("following").GetBoolean());
            }

            var comment = (await conduit.CommentAsync(commenter, slug, "said while paused")).GetProperty("id").GetInt64();

            foreach (var replica in new[] { 0, 1 })
            {
                var direct = new ConduitClient(topology.App.CreateHttpClient("api", replica));
                // The standby does answer this replica's reads: someone who wrote nothing still sees the article as it was.
                Assert.Equal("before the pause", (await direct.GetOkAsync($"/api/articles/{slug}", bystander.Token)).GetProperty("article").Str("body"));

                Assert.Equal("while paused", (await direct.GetOkAsync($"/api/articles/{slug}", author.Token)).GetProperty("article").Str("body"));
                Assert.Equal("created while paused", (await direct.GetOkAsync($"/api/articles/{created}", creator.Token)).GetProperty("article").Str("body"));
                Assert.Equal("while paused", (await direct.GetOkAsync("/api/user", renamer.Token)).GetProperty("user").Str("bio"));
                Assert.True((await direct.GetOkAsync($"/api/articles/{slug}", favoriter.Token)).GetProperty("article").GetProperty("favorited").GetBoolean());
                Assert.False((await direct.GetOkAsync($"/api/articles/{slug}", unfavoriter.Token)).GetProperty("article").GetProperty("favorited").GetBoolean());
                Assert.True((await direct.GetOkAsync($"/api/profiles/{author.Username}", follower.Token)).GetProperty("profile").GetProperty("following").GetBoolean());
                Assert.False((await direct.GetOkAsync($"/api/profiles/{author.Username}", unfollower.Token)).GetProperty("profile").GetProperty("following").GetBoolean());
                var comments = (await direct.GetOkAsync($"/api/articles/{slug}/comments", commenter.Token)).GetProperty("comments");
                Assert.Contains(comments.EnumerateArray(), c => c.GetProperty("id").GetInt64() == comment);
            }
        }
        finally
        {
            await ResumeReplayAsync(admin);
        }
    }

    private static async Task PauseReplayAsync(NpgsqlDataSource admin)
    {
        await using (var pause = admin.CreateCommand("SELECT pg_wal_replay_pause()"))
        {
            await pause.ExecuteNonQueryAsync();
        }

        // Pausing is requested, then takes effect: wait until the standby says it is paused.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            await using var state = admin.CreateCommand("SELECT pg_get_wal_replay_pause_state()");
            if ((string?)await state.ExecuteScalarAsync(deadline.Token) == "paused")
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token);
        }
    }

    private static async Task ResumeReplayAsync(NpgsqlDataSource admin)
    {
        await using var resume = admin.CreateCommand("SELECT pg_wal_replay_resume()");
        await resume.ExecuteNonQueryAsync();
    }
}
