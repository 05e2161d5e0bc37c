using System.Net;
using System.Text.Json;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Api;

[Collection(SharedTopology.Name)]
public sealed class ArticlesApiTests(SharedTopologyFixture topology, InProcessApi api) : IClassFixture<InProcessApi>
{
    private readonly ConduitClient conduit = new(api.For(topology.App).CreateClient());

    [Fact]
    public async Task CreatingAnArticleReturns201WithTheArticle()
    {
        var author = await conduit.RegisterAsync("author");
        var article = new { title = "How to train your dragon", description = "Ever wonder how?", body = "Very carefully.", tagList = new[] { "training", "dragons" } };

        using var response = await conduit.SendAsync(HttpMethod.Post, "/api/articles", new { article }, author.Token);

        var created = (await response.ReadJsonAsync(HttpStatusCode.Created)).GetProperty("article");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrWhiteSpace(created.Str("slug")));
        Assert.Equal(article.title, created.Str("title"));
        Assert.Equal(article.description, created.Str("description"));
        Assert.Equal(article.body, created.Str("body"));
        Assert.Equal(["dragons", "training"], created.Tags());
        Assert.False(created.GetProperty("favorited").GetBoolean());
        Assert.Equal(0, created.GetProperty("favoritesCount").GetInt32());
        Assert.Matches(ResponseAssertions.Iso8601Timestamp(), created.Str("createdAt"));
        Assert.Matches(ResponseAssertions.Iso8601Timestamp(), created.Str("updatedAt"));
        var createdAuthor = created.GetProperty("author");
        Assert.Equal(author.Username, createdAuthor.Str("username"));
        createdAuthor.AssertNullProperty("bio");
        createdAuthor.AssertNullProperty("image");
        Assert.False(createdAuthor.GetProperty("following").GetBoolean());
    }

    [Fact]
    public async Task ReReadingAnArticleReturnsExactlyTheTimestampsItWasCreatedWith()
    {
        var author = await conduit.RegisterAsync("author");
        var created = await conduit.CreateArticleAsync(author, tags: ["one"]);

        var byAuthor = (await conduit.GetOkAsync($"/api/articles/{created.Str("slug")}", author.Token)).GetProperty("article");
        await topology.App.WaitForReplicaAsync();
        var anonymous = (await conduit.GetOkAsync($"/api/articles/{created.Str("slug")}")).GetProperty("article");

        foreach (var reread in new[] { byAuthor, anonymous })
        {
            // PostgreSQL keeps microseconds; a timestamp returned with more precision than it stores would differ here.
            Assert.Equal(created.Str("createdAt"), reread.Str("createdAt"));
            Assert.Equal(created.Str("updatedAt"), reread.Str("updatedAt"));
            Assert.Equal(created.Str("body"), reread.Str("body"));
            Assert.Equal(created.Tags(), reread.Tags());
        }
    }

    [Fact]
    public async Task ArticlesWithEqualTitlesGetDistinctSlugs()
    {
        var author = await conduit.RegisterAsync("author");
        var other = await conduit.RegisterAsync("other");
        var title = ConduitClient.UniqueName("Same title ");

        var first = await conduit.CreateArticleAsync(author, title, body: "first body");
        var second = await conduit.CreateArticleAsync(author, title, body: "second body");
        var third = await conduit.CreateArticleAsync(other, title, body: "third body");

        string[] slugs = [first.Str("slug"), second.Str("slug"), third.Str("slug")];
        Assert.Equal(3, slugs.Distinct(StringComparer.Ordinal).Count());
        await topology.App.WaitForReplicaAsync();
        Assert.Equal("first body", (await conduit.GetOkAsync($"/api/articles/{slugs[0]}")).GetProperty("article").Str("body"));
        Assert.Equal("second body", (await conduit.GetOkAsync($"/api/articles/{slugs[1]}")).GetProperty("article").Str("body"));
        Assert.Equal("third body", (await conduit.GetOkAsync($"/api/articles/{slugs[2]}")).GetProperty("article").Str("body"));
    }

    [Fact]
    public async Task ArticlesCreatedAtOnceWithEqualTitlesGetDistinctSlugs()
    {
        var author = await conduit.RegisterAsync("author");
        var title = ConduitClient.UniqueName("Race ");

        var created = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => conduit.CreateArticleAsync(author, title)));

        Assert.Equal(5, created.Select(article => article.Str("slug")).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task AnArticleWithoutTagsHasAnEmptyTagList()
    {
        var author = await conduit.RegisterAsync("author");
        using var response = await conduit.SendAsync(HttpMethod.Post, "/api/articles",
            new { article = new { title = ConduitClient.UniqueName("No tags "), description = "d", body = "b" } }, author.Token);

        var created = (await response.ReadJsonAsync(HttpStatusCode.Created)).GetProperty("article");

        Assert.Equal(JsonValueKind.Array, created.GetProperty("tagList").ValueKind);
        Assert.Equal(0, created.GetProperty("tagList").GetArrayLength());
    }

    [Theory]
    [InlineData("title")]
    [InlineData("description")]
    [InlineData("body")]
    public async Task CreatingAnArticleWithoutARequiredFieldReturns422WithErrors(string missing)
    {
        var author = await conduit.RegisterAsync("author");
        var fields = new Dictionary<string, string> { ["title"] = ConduitClient.UniqueName("T "), ["description"] = "d", ["body"] = "b" };
        fields.Remove(missing);

        using var response = await conduit.SendAsync(HttpMethod.Post, "/api/articles", new { article = fields }, author.Token);

        await response.AssertErrorsAsync(HttpStatusCode.UnprocessableEntity);
        var list = await conduit.GetOkAsync($"/api/articles?author={author.Username}", author.Token);
        Assert.Equal(0, list.GetProperty("articlesCount").GetInt32());
    }

    [Fact]
    public async Task CreatingAnArticleWithAnEmptyTitleReturns422WithErrors()
    {
        var author = await conduit.RegisterAsync("author");

        using var response = await conduit.SendAsync(HttpMethod.Post, "/api/articles",
            new { article = new { title = "  ", description = "d", body = "b" } }, author.Token);

        await response.AssertErrorsAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task CreatingAnArticleRequiresAToken()
    {
        using var response = await conduit.SendAsync(HttpMethod.Post, "/api/articles",
            new { article = new { title = "t", description = "d", body = "b" } });

        await response.AssertErrorsAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AnUnknownArticleReturns404WithErrors()
    {
        using var response = await conduit.GetAsync($"/api/articles/{ConduitClient.UniqueName("no-such-article-")}");

        await response.AssertErrorsAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task UpdatingTheBodyKeepsTheSlugAndTheOtherFields()
    {
        var author = await conduit.RegisterAsync("author");
        var created = await conduit.CreateArticleAsync(author, tags: ["keep"]);
        var slug = created.Str("slug");

        using var response = await conduit.SendAsync(HttpMethod.Put, $"/api/articles/{slug}", new { article = new { body = "With two hands" } }, author.Token);

        var updated = (await response.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("article");
        Assert.Equal(slug, updated.Str("slug"));
        Assert.Equal("With two hands", updated.Str("body"));
        Assert.Equal(created.Str("title"), updated.Str("title"));
        Assert.Equal(created.Str("description"), updated.Str("description"));
        Assert.Equal(created.Str("createdAt"), updated.Str("createdAt"));
        Assert.True(DateTimeOffset.Parse(updated.Str("updatedAt")) >= DateTimeOffset.Parse(created.Str("updatedAt")));
        Assert.Equal(["keep"], updated.Tags());
        var reread = (await conduit.GetOkAsync($"/api/articles/{slug}", author.Token)).GetProperty("article");
        Assert.Equal("With two hands", reread.Str("body"));
        Assert.Equal(updated.Str("updatedAt"), reread.Str("updatedAt"));
    }

    [Fact]
    public async Task UpdatingTheTitleChangesTheSlug()
    {
        var author = await conduit.RegisterAsync("author");
        var created = await conduit.CreateArticleAsync(author, ConduitClient.UniqueName("Old title "), body: "unchanged body");
        var newTitle = ConduitClient.UniqueName("Did you train your dragon ");

        using var response = await conduit.SendAsync(HttpMethod.Put, $"/api/articles/{created.Str("slug")}", new { article = new { title = newTitle } }, author.Token);

        var updated = (await response.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("article");
        Assert.Equal(newTitle, updated.Str("title"));
        Assert.NotEqual(created.Str("slug"), updated.Str("slug"));
        Assert.Equal("unchanged body", updated.Str("body"));
        var reread = (await conduit.GetOkAsync($"/api/articles/{updated.Str("slug")}", author.Token)).GetProperty("article");
        Assert.Equal(newTitle, reread.Str("title"));
        Assert.Equal("unchanged body", reread.Str("body"));
    }

    [Fact]
    public async Task UpdatingTheTitleToAnotherArticlesTitleKeepsSlugsUnique()
    {
        var author = await conduit.RegisterAsync("author");
        var first = await conduit.CreateArticleAsync(author, ConduitClient.UniqueName("First "));
        var second = await conduit.CreateArticleAsync(author, ConduitClient.UniqueName("Second "));

        using var response = await conduit.SendAsync(HttpMethod.Put, $"/api/articles/{second.Str("slug")}",
            new { article = new { title = first.Str("title") } }, author.Token);

        var updated = (await response.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("article");
        Assert.NotEqual(first.Str("slug"), updated.Str("slug"));
        Assert.Equal(first.Str("body"), (await conduit.GetOkAsync($"/api/articles/{first.Str("slug")}", author.Token)).GetProperty("article").Str("body"));
    }

    [Fact]
    public async Task UpdatingSomeoneElsesArticleReturns403AndChangesNothing()
    {
        var author = await conduit.RegisterAsync("author");
        var intruder = await conduit.RegisterAsync("intruder");
        var created = await conduit.CreateArticleAsync(author, body: "original");

        using var response = await conduit.SendAsync(HttpMethod.Put, $"/api/articles/{created.Str("slug")}",
            new { article = new { body = "defaced", title = "Defaced" } }, intruder.Token);

        await response.AssertErrorsAsync(HttpStatusCode.Forbidden);
        var reread = (await conduit.GetOkAsync($"/api/articles/{created.Str("slug")}", author.Token)).GetProperty("article");
        Assert.Equal("original", reread.Str("body"));
        Assert.Equal(created.Str("title"), reread.Str("title"));
    }

    [Fact]
    public async Task DeletingSomeoneElsesArticleReturns403AndKeepsIt()
    {
        var author = await conduit.RegisterAsync("author");
        var intruder = await conduit.RegisterAsync("intruder");
        var created = await conduit.CreateArticleAsync(author);

        using var response = await conduit.SendAsync(HttpMethod.Delete, $"/api/articles/{created.Str("slug")}", null, intruder.Token);

        await response.AssertErrorsAsync(HttpStatusCode.Forbidden);
        await conduit.GetOkAsync($"/api/articles/{created.Str("slug")}", author.Token);
    }

    [Fact]
    public async Task DeletingAnArticleReturns204AndThenItIsGone()
    {
        var author = await conduit.RegisterAsync("author");
        var reader = await conduit.RegisterAsync("reader");
        var created = await conduit.CreateArticleAsync(author, tags: ["doomed"]);
        await conduit.FavoriteAsync(reader, created.Str("slug"));
        await conduit.CommentAsync(reader, created.Str("slug"), "nice");

        using var response = await conduit.SendAsync(HttpMethod.Delete, $"/api/articles/{created.Str("slug")}", null, author.Token);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        using var again = await conduit.GetAsync($"/api/articles/{created.Str("slug")}", author.Token);
        await again.AssertErrorsAsync(HttpStatusCode.NotFound);
        using var deleteAgain = await conduit.SendAsync(HttpMethod.Delete, $"/api/articles/{created.Str("slug")}", null, author.Token);
        await deleteAgain.AssertErrorsAsync(HttpStatusCode.NotFound);
        var list = await conduit.GetOkAsync($"/api/articles?author={author.Username}", author.Token);
        Assert.Equal(0, list.GetProperty("articlesCount").GetInt32());
        await topology.App.WaitForReplicaAsync();
        var favorites = await conduit.GetOkAsync($"/api/articles?favorited={reader.Username}", reader.Token);
        Assert.Equal(0, favorites.GetProperty("articlesCount").GetInt32());
    }

    [Fact]
    public async Task UpdatingOrDeletingAnUnknownArticleReturns404()
    {
        var author = await conduit.RegisterAsync("author");
        var slug = ConduitClient.UniqueName("missing-");

        using var update = await conduit.SendAsync(HttpMethod.Put, $"/api/articles/{slug}", new { article = new { body = "x" } }, author.Token);
        await update.AssertErrorsAsync(HttpStatusCode.NotFound);
        using var delete = await conduit.SendAsync(HttpMethod.Delete, $"/api/articles/{slug}", null, author.Token);
        await delete.AssertErrorsAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task UpdatingOrDeletingAnArticleRequiresAToken()
    {
        var author = await conduit.RegisterAsync("author");
        var created = await conduit.CreateArticleAsync(author);

        using var update = await conduit.SendAsync(HttpMethod.Put, $"/api/articles/{created.Str("slug")}", new { article = new { body = "x" } });
        await update.AssertErrorsAsync(HttpStatusCode.Unauthorized);
        using var delete = await conduit.SendAsync(HttpMethod.Delete, $"/api/articles/{created.Str("slug")}");
        await delete.AssertErrorsAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AnArticleShowsWhetherTheReaderFollowsTheAuthorAndFavoritedIt()
    {
        var author = await conduit.RegisterAsync("author");
        var reader = await conduit.RegisterAsync("reader");
        var created = await conduit.CreateArticleAsync(author);
        await conduit.FollowAsync(reader, author.Username);
        await conduit.FavoriteAsync(reader, created.Str("slug"));

        var seenByReader = (await conduit.GetOkAsync($"/api/articles/{created.Str("slug")}", reader.Token)).GetProperty("article");
        await topology.App.WaitForReplicaAsync();
        var seenByAnonymous = (await conduit.GetOkAsync($"/api/articles/{created.Str("slug")}")).GetProperty("article");

        Assert.True(seenByReader.GetProperty("favorited").GetBoolean());
        Assert.True(seenByReader.GetProperty("author").GetProperty("following").GetBoolean());
        Assert.Equal(1, seenByReader.GetProperty("favoritesCount").GetInt32());
        Assert.False(seenByAnonymous.GetProperty("favorited").GetBoolean());
        Assert.False(seenByAnonymous.GetProperty("author").GetProperty("following").GetBoolean());
        Assert.Equal(1, seenByAnonymous.GetProperty("favoritesCount").GetInt32());
    }
}
