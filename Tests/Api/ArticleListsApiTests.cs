using System.Net;
using System.Text.Json;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Api;

[Collection(SharedTopology.Name)]
public sealed class ArticleListsApiTests(SharedTopologyFixture topology, InProcessApi api) : IClassFixture<InProcessApi>
{
    private static readonly string[] ListedArticleFields =
        ["slug", "title", "description", "tagList", "createdAt", "updatedAt", "favorited", "favoritesCount", "author"];

    private readonly ConduitClient conduit = new(api.For(topology.App).CreateClient());

    [Fact]
    public async Task FilteringByAuthorListsOnlyTheirArticlesNewestFirstWithoutBodies()
    {
        var author = await conduit.RegisterAsync("author");
        var other = await conduit.RegisterAsync("other");
        var slugs = await CreateArticlesAsync(author, 3);
        await conduit.CreateArticleAsync(other);
        await topology.App.WaitForReplicaAsync();

        var list = await conduit.GetOkAsync($"/api/articles?author={author.Username}");

        Assert.Equal(3, list.GetProperty("articlesCount").GetInt32());
        Assert.Equal(slugs.AsEnumerable().Reverse(), list.Slugs());
        foreach (var article in list.GetProperty("articles").EnumerateArray())
        {
            AssertListedArticleShape(article);
            Assert.Equal(author.Username, article.GetProperty("author").Str("username"));
        }
    }

    [Fact]
    public async Task FilteringByTagListsOnlyArticlesWithThatTag()
    {
        var author = await conduit.RegisterAsync("author");
        var tag = ConduitClient.UniqueName("tag");
        var tagged1 = await conduit.CreateArticleAsync(author, tags: [tag, "common"]);
        await conduit.CreateArticleAsync(author, tags: ["common"]);
        var tagged2 = await conduit.CreateArticleAsync(author, tags: [tag]);
        await topology.App.WaitForReplicaAsync();

        var list = await conduit.GetOkAsync($"/api/articles?tag={tag}");

        Assert.Equal(2, list.GetProperty("articlesCount").GetInt32());
        Assert.Equal([tagged2.Str("slug"), tagged1.Str("slug")], list.Slugs());
        // The filter selects articles, it does not trim their tag lists.
        Assert.Equal(["common", tag], list.GetProperty("articles")[1].Tags());
    }

    [Fact]
    public async Task FilteringByFavoritedListsTheArticlesThatUserFavorited()
    {
        var author = await conduit.RegisterAsync("author");
        var fan = await conduit.RegisterAsync("fan");
        var slugs = await CreateArticlesAsync(author, 3);
        await conduit.FavoriteAsync(fan, slugs[0]);
        await conduit.FavoriteAsync(fan, slugs[2]);
        await topology.App.WaitForReplicaAsync();

        var anonymous = await conduit.GetOkAsync($"/api/articles?favorited={fan.Username}");
        var byFan = await conduit.GetOkAsync($"/api/articles?favorited={fan.Username}", fan.Token);

        Assert.Equal(2, anonymous.GetProperty("articlesCount").GetInt32());
        Assert.Equal([slugs[2], slugs[0]], anonymous.Slugs());
        Assert.All(anonymous.GetProperty("articles").EnumerateArray(), article => Assert.False(article.GetProperty("favorited").GetBoolean()));
        Assert.All(byFan.GetProperty("articles").EnumerateArray(), article =>
        {
            Assert.True(article.GetProperty("favorited").GetBoolean());
            Assert.Equal(1, article.GetProperty("favoritesCount").GetInt32());
        });
    }

    [Fact]
    public async Task FiltersCombine()
    {
        var author = await conduit.RegisterAsync("author");
        var other = await conduit.RegisterAsync("other");
        var tag = ConduitClient.UniqueName("tag");
        var match = await conduit.CreateArticleAsync(author, tags: [tag]);
        await conduit.CreateArticleAsync(author, tags: ["else"]);
        await conduit.CreateArticleAsync(other, tags: [tag]);
        await topology.App.WaitForReplicaAsync();

        var list = await conduit.GetOkAsync($"/api/articles?tag={tag}&author={author.Username}");

        Assert.Equal(1, list.GetProperty("articlesCount").GetInt32());
        Assert.Equal([match.Str("slug")], list.Slugs());
    }

    [Fact]
    public async Task FilteringByAnUnknownAuthorOrTagListsNothing()
    {
        var byAuthor = await conduit.GetOkAsync($"/api/articles?author={ConduitClient.UniqueName("ghost")}");
        var byTag = await conduit.GetOkAsync($"/api/articles?tag={ConduitClient.UniqueName("ghosttag")}");
        var byFavorited = await conduit.GetOkAsync($"/api/articles?favorited={ConduitClient.UniqueName("ghost")}");

        foreach (var list in new[] { byAuthor, byTag, byFavorited })
        {
            Assert.Equal(0, list.GetProperty("articlesCount").GetInt32());
            Assert.Equal(0, list.GetProperty("articles").GetArrayLength());
        }
    }

    [Fact]
    public async Task LimitAndOffsetPageThroughWhileArticlesCountIsTheTotal()
    {
        var author = await conduit.RegisterAsync("author");
        var newestFirst = (await CreateArticlesAsync(author, 5)).AsEnumerable().Reverse().ToArray();

        var page1 = await conduit.GetOkAsync($"/api/articles?author={author.Username}&limit=2", author.Token);
        var page2 = await conduit.GetOkAsync($"/api/articles?author={author.Username}&limit=2&offset=2", author.Token);
        var page3 = await conduit.GetOkAsync($"/api/articles?author={author.Username}&limit=2&offset=4", author.Token);
        var beyond = await conduit.GetOkAsync($"/api/articles?author={author.Username}&limit=2&offset=10", author.Token);

        Assert.Equal(newestFirst[..2], page1.Slugs());
        Assert.Equal(newestFirst[2..4], page2.Slugs());
        Assert.Equal(newestFirst[4..], page3.Slugs());
        Assert.Empty(beyond.Slugs());
        Assert.All(new[] { page1, page2, page3, beyond }, page => Assert.Equal(5, page.GetProperty("articlesCount").GetInt32()));
    }

    [Fact]
    public async Task TheDefaultPageHoldsTwentyArticles()
    {
        var author = await conduit.RegisterAsync("author");
        var newestFirst = (await CreateArticlesAsync(author, 21)).AsEnumerable().Reverse().ToArray();

        var list = await conduit.GetOkAsync($"/api/articles?author={author.Username}", author.Token);

        Assert.Equal(21, list.GetProperty("articlesCount").GetInt32());
        Assert.Equal(newestFirst[..20], list.Slugs());
    }

    [Fact]
    public async Task TheGlobalListIsNewestFirstWithoutBodies()
    {
        var author = await conduit.RegisterAsync("author");
        await CreateArticlesAsync(author, 2);
        await topology.App.WaitForReplicaAsync();

        var list = await conduit.GetOkAsync("/api/articles?limit=50");

        Assert.True(list.GetProperty("articlesCount").GetInt32() >= 2);
        var articles = list.GetProperty("articles").EnumerateArray().ToArray();
        Assert.InRange(articles.Length, 2, 50);
        foreach (var article in articles)
        {
            AssertListedArticleShape(article);
        }

        var createdAt = articles.Select(article => DateTimeOffset.Parse(article.Str("createdAt"))).ToArray();
        Assert.True(createdAt.Zip(createdAt.Skip(1)).All(pair => pair.First >= pair.Second), "the global list is not newest first");
    }

    [Fact]
    public async Task TheFeedListsOnlyFollowedAuthorsNewestFirstWithoutBodies()
    {
        var followed1 = await conduit.RegisterAsync("followed");
        var followed2 = await conduit.RegisterAsync("followed");
        var notFollowed = await conduit.RegisterAsync("ignored");
        var reader = await conduit.RegisterAsync("reader");
        await conduit.FollowAsync(reader, followed1.Username);
        await conduit.FollowAsync(reader, followed2.Username);
        var a = await conduit.CreateArticleAsync(followed1);
        await conduit.CreateArticleAsync(notFollowed);
        var b = await conduit.CreateArticleAsync(followed2);
        var c = await conduit.CreateArticleAsync(followed1);
        await topology.App.WaitForReplicaAsync();

        var feed = await conduit.GetOkAsync("/api/articles/feed", reader.Token);

        Assert.Equal(3, feed.GetProperty("articlesCount").GetInt32());
        Assert.Equal([c.Str("slug"), b.Str("slug"), a.Str("slug")], feed.Slugs());
        foreach (var article in feed.GetProperty("articles").EnumerateArray())
        {
            AssertListedArticleShape(article);
            Assert.True(article.GetProperty("author").GetProperty("following").GetBoolean());
        }
    }

    [Fact]
    public async Task TheFeedPagesWhileArticlesCountIsTheTotal()
    {
        var followed = await conduit.RegisterAsync("followed");
        var reader = await conduit.RegisterAsync("reader");
        await conduit.FollowAsync(reader, followed.Username);
        var newestFirst = (await CreateArticlesAsync(followed, 4)).AsEnumerable().Reverse().ToArray();
        await topology.App.WaitForReplicaAsync();

        var page = await conduit.GetOkAsync("/api/articles/feed?limit=2&offset=1", reader.Token);

        Assert.Equal(4, page.GetProperty("articlesCount").GetInt32());
        Assert.Equal(newestFirst[1..3], page.Slugs());
    }

    [Fact]
    public async Task TheFeedOfSomeoneWhoFollowsNobodyIsEmpty()
    {
        var reader = await conduit.RegisterAsync("loner");

        var feed = await conduit.GetOkAsync("/api/articles/feed", reader.Token);

        Assert.Equal(0, feed.GetProperty("articlesCount").GetInt32());
        Assert.Equal(0, feed.GetProperty("articles").GetArrayLength());
    }

    [Fact]
    public async Task TheFeedDropsAnAuthorOnUnfollow()
    {
        var followed = await conduit.RegisterAsync("followed");
        var reader = await conduit.RegisterAsync("reader");
        await conduit.FollowAsync(reader, followed.Username);
        await conduit.CreateArticleAsync(followed);
        using (var unfollow = await conduit.SendAsync(HttpMethod.Delete, $"/api/profiles/{followed.Username}/follow", null, reader.Token))
        {
            await unfollow.ReadJsonAsync(HttpStatusCode.OK);
        }

        var feed = await conduit.GetOkAsync("/api/articles/feed", reader.Token);

        Assert.Equal(0, feed.GetProperty("articlesCount").GetInt32());
    }

    [Fact]
    public async Task TheFeedRequiresAToken()
    {
        using var response = await conduit.GetAsync("/api/articles/feed");

        await response.AssertErrorsAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ListsShowFollowingAndFavoritedForTheReader()
    {
        var author = await conduit.RegisterAsync("author");
        var reader = await conduit.RegisterAsync("reader");
        var slugs = await CreateArticlesAsync(author, 2);
        await conduit.FollowAsync(reader, author.Username);
        await conduit.FavoriteAsync(reader, slugs[0]);

        var list = await conduit.GetOkAsync($"/api/articles?author={author.Username}", reader.Token);

        var articles = list.GetProperty("articles").EnumerateArray().ToDictionary(article => article.Str("slug"));
        Assert.True(articles[slugs[0]].GetProperty("favorited").GetBoolean());
        Assert.Equal(1, articles[slugs[0]].GetProperty("favoritesCount").GetInt32());
        Assert.False(articles[slugs[1]].GetProperty("favorited").GetBoolean());
        Assert.Equal(0, articles[slugs[1]].GetProperty("favoritesCount").GetInt32());
        Assert.All(articles.Values, article => Assert.True(article.GetProperty("author").GetProperty("following").GetBoolean()));
    }

    private async Task<string[]> CreateArticlesAsync(TestUser author, int count)
    {
        var slugs = new string[count];
        for (var i = 0; i < count; i++)
        {
            // One at a time: the order of creation is the order the lists must show (newest first).
            slugs[i] = (await conduit.CreateArticleAsync(author, ConduitClient.UniqueName($"Article {i} "))).Str("slug");
        }

        return slugs;
    }

    private static void AssertListedArticleShape(JsonElement article)
    {
        foreach (var field in ListedArticleFields)
        {
            Assert.True(article.TryGetProperty(field, out _), $"a listed article lacks \"{field}\": {article}");
        }

        Assert.False(article.TryGetProperty("body", out _), $"lists leave out the body: {article}");
        Assert.Matches(ResponseAssertions.Iso8601Timestamp(), article.Str("createdAt"));
        Assert.Equal(JsonValueKind.Array, article.GetProperty("tagList").ValueKind);
        Assert.Equal(JsonValueKind.Number, article.GetProperty("favoritesCount").ValueKind);
    }
}
