using System.Net;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Api;

[Collection(SharedTopology.Name)]
public sealed class FavoritesApiTests(SharedTopologyFixture topology, InProcessApi api) : IClassFixture<InProcessApi>
{
    private readonly ConduitClient conduit = new(api.For(topology.App).CreateClient());

    [Fact]
    public async Task FavoritingCountsEachReaderAndUnfavoritingUndoesIt()
    {
        var author = await conduit.RegisterAsync("author");
        var fan1 = await conduit.RegisterAsync("fan");
        var fan2 = await conduit.RegisterAsync("fan");
        var slug = (await conduit.CreateArticleAsync(author)).Str("slug");

        var afterFirst = await conduit.FavoriteAsync(fan1, slug);
        Assert.True(afterFirst.GetProperty("favorited").GetBoolean());
        Assert.Equal(1, afterFirst.GetProperty("favoritesCount").GetInt32());
        Assert.Equal(slug, afterFirst.Str("slug"));

        var afterSecond = await conduit.FavoriteAsync(fan2, slug);
        Assert.True(afterSecond.GetProperty("favorited").GetBoolean());
        Assert.Equal(2, afterSecond.GetProperty("favoritesCount").GetInt32());

        using var response = await conduit.SendAsync(HttpMethod.Delete, $"/api/articles/{slug}/favorite", null, fan1.Token);
        var afterUnfavorite = (await response.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("article");
        Assert.False(afterUnfavorite.GetProperty("favorited").GetBoolean());
        Assert.Equal(1, afterUnfavorite.GetProperty("favoritesCount").GetInt32());

        // fan2 reads fan1's later write: only a caught-up replica (or the primary) has it.
        await topology.App.WaitForReplicaAsync();
        var seenByFan2 = (await conduit.GetOkAsync($"/api/articles/{slug}", fan2.Token)).GetProperty("article");
        Assert.True(seenByFan2.GetProperty("favorited").GetBoolean());
        Assert.Equal(1, seenByFan2.GetProperty("favoritesCount").GetInt32());
        var seenByFan1 = (await conduit.GetOkAsync($"/api/articles/{slug}", fan1.Token)).GetProperty("article");
        Assert.False(seenByFan1.GetProperty("favorited").GetBoolean());
    }

    [Fact]
    public async Task FavoritingTwiceCountsOnce()
    {
        var author = await conduit.RegisterAsync("author");
        var fan = await conduit.RegisterAsync("fan");
        var slug = (await conduit.CreateArticleAsync(author)).Str("slug");

        await conduit.FavoriteAsync(fan, slug);
        var again = await conduit.FavoriteAsync(fan, slug);

        Assert.True(again.GetProperty("favorited").GetBoolean());
        Assert.Equal(1, again.GetProperty("favoritesCount").GetInt32());
    }

    [Fact]
    public async Task FavoritingAtOnceFromManyReadersCountsThemAll()
    {
        var author = await conduit.RegisterAsync("author");
        var slug = (await conduit.CreateArticleAsync(author)).Str("slug");
        var fans = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => conduit.RegisterAsync("fan")));

        await Task.WhenAll(fans.Select(fan => conduit.FavoriteAsync(fan, slug)));
        await topology.App.WaitForReplicaAsync();

        var article = (await conduit.GetOkAsync($"/api/articles/{slug}", fans[0].Token)).GetProperty("article");
        Assert.Equal(8, article.GetProperty("favoritesCount").GetInt32());
    }

    [Fact]
    public async Task UnfavoritingAnArticleNeverFavoritedKeepsTheCount()
    {
        var author = await conduit.RegisterAsync("author");
        var fan = await conduit.RegisterAsync("fan");
        var other = await conduit.RegisterAsync("other");
        var slug = (await conduit.CreateArticleAsync(author)).Str("slug");
        await conduit.FavoriteAsync(other, slug);

        using var response = await conduit.SendAsync(HttpMethod.Delete, $"/api/articles/{slug}/favorite", null, fan.Token);

        var article = (await response.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("article");
        Assert.False(article.GetProperty("favorited").GetBoolean());
        Assert.Equal(1, article.GetProperty("favoritesCount").GetInt32());
    }

    [Fact]
    public async Task FavoritingRequiresAToken()
    {
        var author = await conduit.RegisterAsync("author");
        var slug = (await conduit.CreateArticleAsync(author)).Str("slug");

        using var favorite = await conduit.SendAsync(HttpMethod.Post, $"/api/articles/{slug}/favorite");
        await favorite.AssertErrorsAsync(HttpStatusCode.Unauthorized);
        using var unfavorite = await conduit.SendAsync(HttpMethod.Delete, $"/api/articles/{slug}/favorite");
        await unfavorite.AssertErrorsAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task FavoritingAnUnknownArticleReturns404WithErrors()
    {
        var fan = await conduit.RegisterAsync("fan");
        var slug = ConduitClient.UniqueName("missing-");

        using var favorite = await conduit.SendAsync(HttpMethod.Post, $"/api/articles/{slug}/favorite", null, fan.Token);
        await favorite.AssertErrorsAsync(HttpStatusCode.NotFound);
        using var unfavorite = await conduit.SendAsync(HttpMethod.Delete, $"/api/articles/{slug}/favorite", null, fan.Token);
        await unfavorite.AssertErrorsAsync(HttpStatusCode.NotFound);
    }
}
