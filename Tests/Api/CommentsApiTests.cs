using System.Net;
using System.Text.Json;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Api;

[Collection(SharedTopology.Name)]
public sealed class CommentsApiTests(SharedTopologyFixture topology, InProcessApi api) : IClassFixture<InProcessApi>
{
    private readonly ConduitClient conduit = new(api.For(topology.App).CreateClient());

    [Fact]
    public async Task AddingACommentReturns201AndListsIt()
    {
        var author = await conduit.RegisterAsync("author");
        var commenter = await conduit.RegisterAsync("commenter");
        var slug = (await conduit.CreateArticleAsync(author)).Str("slug");

        using var response = await conduit.SendAsync(HttpMethod.Post, $"/api/articles/{slug}/comments",
            new { comment = new { body = "Thank you so much!" } }, commenter.Token);

        var comment = (await response.ReadJsonAsync(HttpStatusCode.Created)).GetProperty("comment");
        Assert.Equal(JsonValueKind.Number, comment.GetProperty("id").ValueKind);
        Assert.Equal("Thank you so much!", comment.Str("body"));
        Assert.Matches(ResponseAssertions.Iso8601Timestamp(), comment.Str("createdAt"));
        Assert.Matches(ResponseAssertions.Iso8601Timestamp(), comment.Str("updatedAt"));
        Assert.Equal(commenter.Username, comment.GetProperty("author").Str("username"));
        Assert.False(comment.GetProperty("author").GetProperty("following").GetBoolean());

        await topology.App.WaitForReplicaAsync();
        var listed = (await conduit.GetOkAsync($"/api/articles/{slug}/comments")).GetProperty("comments");
        var only = Assert.Single(listed.EnumerateArray());
        Assert.Equal(comment.GetProperty("id").GetInt64(), only.GetProperty("id").GetInt64());
        Assert.Equal("Thank you so much!", only.Str("body"));
        Assert.Equal(comment.Str("createdAt"), only.Str("createdAt"));
        Assert.Equal(commenter.Username, only.GetProperty("author").Str("username"));
    }

    [Fact]
    public async Task CommentsOfAnArticleAreOnlyItsOwn()
    {
        var author = await conduit.RegisterAsync("author");
        var first = (await conduit.CreateArticleAsync(author)).Str("slug");
        var second = (await conduit.CreateArticleAsync(author)).Str("slug");
        await conduit.CommentAsync(author, first, "one");
        await conduit.CommentAsync(author, first, "two");
        await conduit.CommentAsync(author, second, "elsewhere");

        var listed = (await conduit.GetOkAsync($"/api/articles/{first}/comments", author.Token)).GetProperty("comments");

        Assert.Equal(["one", "two"], listed.EnumerateArray().Select(comment => comment.Str("body")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CommentsShowWhetherTheReaderFollowsTheirAuthors()
    {
        var author = await conduit.RegisterAsync("author");
        var commenter = await conduit.RegisterAsync("commenter");
        var reader = await conduit.RegisterAsync("reader");
        var slug = (await conduit.CreateArticleAsync(author)).Str("slug");
        await conduit.CommentAsync(commenter, slug, "hello");
        await conduit.FollowAsync(reader, commenter.Username);

        var listed = (await conduit.GetOkAsync($"/api/articles/{slug}/comments", reader.Token)).GetProperty("comments");

        Assert.True(Assert.Single(listed.EnumerateArray()).GetProperty("author").GetProperty("following").GetBoolean());
    }

    [Fact]
    public async Task DeletingOwnCommentReturns204AndRemovesIt()
    {
        var author = await conduit.RegisterAsync("author");
        var commenter = await conduit.RegisterAsync("commenter");
        var slug = (await conduit.CreateArticleAsync(author)).Str("slug");
        var kept = await conduit.CommentAsync(commenter, slug, "kept");
        var doomed = await conduit.CommentAsync(commenter, slug, "doomed");

        using var response = await conduit.SendAsync(HttpMethod.Delete,
            $"/api/articles/{slug}/comments/{doomed.GetProperty("id").GetInt64()}", null, commenter.Token);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var listed = (await conduit.GetOkAsync($"/api/articles/{slug}/comments", commenter.Token)).GetProperty("comments");
        Assert.Equal(kept.GetProperty("id").GetInt64(), Assert.Single(listed.EnumerateArray()).GetProperty("id").GetInt64());
        using var again = await conduit.SendAsync(HttpMethod.Delete,
            $"/api/articles/{slug}/comments/{doomed.GetProperty("id").GetInt64()}", null, commenter.Token);
        await again.AssertErrorsAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DeletingSomeoneElsesCommentReturns403AndKeepsIt()
    {
        var author = await conduit.RegisterAsync("author");
        var commenter = await conduit.RegisterAsync("commenter");
        var intruder = await conduit.RegisterAsync("intruder");
        var slug = (await conduit.CreateArticleAsync(author)).Str("slug");
        var comment = await conduit.CommentAsync(commenter, slug, "mine");

        using var response = await conduit.SendAsync(HttpMethod.Delete,
            $"/api/articles/{slug}/comments/{comment.GetProperty("id").GetInt64()}", null, intruder.Token);

        await response.AssertErrorsAsync(HttpStatusCode.Forbidden);
        var listed = (await conduit.GetOkAsync($"/api/articles/{slug}/comments", commenter.Token)).GetProperty("comments");
        Assert.Single(listed.EnumerateArray());
    }

    [Fact]
    public async Task DeletingACommentThroughAnotherArticleReturns404AndKeepsIt()
    {
        var author = await conduit.RegisterAsync("author");
        var slug = (await conduit.CreateArticleAsync(author)).Str("slug");
        var otherSlug = (await conduit.CreateArticleAsync(author)).Str("slug");
        var comment = await conduit.CommentAsync(author, slug, "stays");

        using var response = await conduit.SendAsync(HttpMethod.Delete,
            $"/api/articles/{otherSlug}/comments/{comment.GetProperty("id").GetInt64()}", null, author.Token);

        await response.AssertErrorsAsync(HttpStatusCode.NotFound);
        Assert.Single((await conduit.GetOkAsync($"/api/articles/{slug}/comments", author.Token)).GetProperty("comments").EnumerateArray());
    }

    [Fact]
    public async Task CommentsOnAnUnknownArticleReturn404WithErrors()
    {
        var user = await conduit.RegisterAsync("user");
        var slug = ConduitClient.UniqueName("missing-");

        using var list = await conduit.GetAsync($"/api/articles/{slug}/comments");
        await list.AssertErrorsAsync(HttpStatusCode.NotFound);
        using var add = await conduit.SendAsync(HttpMethod.Post, $"/api/articles/{slug}/comments", new { comment = new { body = "x" } }, user.Token);
        await add.AssertErrorsAsync(HttpStatusCode.NotFound);
        using var delete = await conduit.SendAsync(HttpMethod.Delete, $"/api/articles/{slug}/comments/1", null, user.Token);
        await delete.AssertErrorsAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AddingACommentWithoutABodyReturns422WithErrors()
    {
        var author = await conduit.RegisterAsync("author");
        var slug = (await conduit.CreateArticleAsync(author)).Str("slug");

        using var missing = await conduit.SendAsync(HttpMethod.Post, $"/api/articles/{slug}/comments", new { comment = new { } }, author.Token);
        await missing.AssertErrorsAsync(HttpStatusCode.UnprocessableEntity);
        using var empty = await conduit.SendAsync(HttpMethod.Post, $"/api/articles/{slug}/comments", new { comment = new { body = "" } }, author.Token);
        await empty.AssertErrorsAsync(HttpStatusCode.UnprocessableEntity);

        var listed = (await conduit.GetOkAsync($"/api/articles/{slug}/comments", author.Token)).GetProperty("comments");
        Assert.Equal(0, listed.GetArrayLength());
    }

    [Fact]
    public async Task AddingOrDeletingACommentRequiresAToken()
    {
        var author = await conduit.RegisterAsync("author");
        var slug = (await conduit.CreateArticleAsync(author)).Str("slug");
        var comment = await conduit.CommentAsync(author, slug, "mine");

        using var add = await conduit.SendAsync(HttpMethod.Post, $"/api/articles/{slug}/comments", new { comment = new { body = "x" } });
        await add.AssertErrorsAsync(HttpStatusCode.Unauthorized);
        using var delete = await conduit.SendAsync(HttpMethod.Delete, $"/api/articles/{slug}/comments/{comment.GetProperty("id").GetInt64()}");
        await delete.AssertErrorsAsync(HttpStatusCode.Unauthorized);
    }
}
