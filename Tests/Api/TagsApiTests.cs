using System.Net;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Api;

[Collection(SharedTopology.Name)]
public sealed class TagsApiTests(SharedTopologyFixture topology, InProcessApi api) : IClassFixture<InProcessApi>
{
    private readonly ConduitClient conduit = new(api.For(topology.App).CreateClient());

    [Fact]
    public async Task TheTagListContainsTagsThatArticlesUse()
    {
        var author = await conduit.RegisterAsync("author");
        string[] used = [ConduitClient.UniqueName("tagA"), ConduitClient.UniqueName("tagB")];
        await conduit.CreateArticleAsync(author, tags: used);
        await topology.App.WaitForReplicaAsync();

        using var response = await conduit.GetAsync("/api/tags");

        var tags = (await response.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("tags").EnumerateArray().Select(tag => tag.GetString()).ToHashSet();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(used[0], tags);
        Assert.Contains(used[1], tags);
    }

    [Fact]
    public async Task TheTagListHasNoDuplicates()
    {
        var author = await conduit.RegisterAsync("author");
        var shared = ConduitClient.UniqueName("shared");
        await conduit.CreateArticleAsync(author, tags: [shared]);
        await conduit.CreateArticleAsync(author, tags: [shared]);
        await topology.App.WaitForReplicaAsync();

        var tags = (await conduit.GetOkAsync("/api/tags")).GetProperty("tags").EnumerateArray().Select(tag => tag.GetString()).ToArray();

        Assert.Equal(tags.Length, tags.Distinct(StringComparer.Ordinal).Count());
        Assert.Single(tags, tag => tag == shared);
    }

    [Fact]
    public async Task ARepeatedTagOnOneArticleIsAccepted()
    {
        var author = await conduit.RegisterAsync("author");
        var tag = ConduitClient.UniqueName("twice");

        // Valid input per the spec (an array of strings); a unique index must not turn it into a 500.
        var article = await conduit.CreateArticleAsync(author, tags: [tag, tag]);

        Assert.Contains(tag, article.Tags());
    }
}
