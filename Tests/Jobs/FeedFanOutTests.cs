using System.Net;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Jobs;

// The precomputed feed keeps the spec's meaning ("articles by the authors I follow", newest first) through every write:
// before and after the Worker fans an article out, after follow (backfill), unfollow (removal) and delete (cascade).
[Collection(SharedTopology.Name)]
public sealed class FeedFanOutTests(SharedTopologyFixture fixture) : IAsyncDisposable
{
    private static readonly TimeSpan FanOutTimeout = TimeSpan.FromSeconds(60);
    private readonly JobsClient _jobs = new(fixture.App.CreateHttpClient(), fixture.App.GetConnectionString("conduit"));

    public ValueTask DisposeAsync() => _jobs.DisposeAsync();

    [Fact]
    public async Task ANewArticleIsInItsFollowersFeedAtOnceAndStaysThereOnceAfterFanOut()
    {
        var author = await _jobs.Conduit.RegisterAsync("fanauthor");
        var follower = await _jobs.Conduit.RegisterAsync("fanfollower");
        var bystander = await _jobs.Conduit.RegisterAsync("bystander");
        await _jobs.Conduit.FollowAsync(follower, author.Username);

        var slug = (await _jobs.Conduit.CreateArticleAsync(author)).GetProperty("slug").GetString()!;
        Assert.Equal([slug], await FeedSlugsAsync(follower));

        await WaitForFanOutAsync(slug);
        var followerId = await _jobs.UserIdAsync(follower.Username);
        Assert.Equal(1L, await _jobs.ScalarAsync<long>(
            "SELECT count(*) FROM feed_entries e JOIN articles a ON a.id = e.article_id WHERE e.user_id = $1 AND a.slug = $2", followerId, slug));
        Assert.Equal([slug], await FeedSlugsAsync(follower));
        Assert.Empty(await FeedSlugsAsync(bystander));
    }

    [Fact]
    public async Task FollowingBackfillsEarlierArticlesAndUnfollowingRemovesThem()
    {
        var author = await _jobs.Conduit.RegisterAsync("backfill");
        var reader = await _jobs.Conduit.RegisterAsync("reader");
        var older = (await _jobs.Conduit.CreateArticleAsync(author)).GetProperty("slug").GetString()!;
        var newer = (await _jobs.Conduit.CreateArticleAsync(author)).GetProperty("slug").GetString()!;
        await WaitForFanOutAsync(older);
        await WaitForFanOutAsync(newer);

        await _jobs.Conduit.FollowAsync(reader, author.Username);
        Assert.Equal([newer, older], await FeedSlugsAsync(reader));

        using (var unfollow = await _jobs.Conduit.SendAsync(HttpMethod.Delete, $"/api/profiles/{author.Username}/follow", null, reader.Token))
        {
            Assert.Equal(HttpStatusCode.OK, unfollow.StatusCode);
        }

        Assert.Empty(await FeedSlugsAsync(reader));
        Assert.Equal(0L, await _jobs.ScalarAsync<long>("SELECT count(*) FROM feed_entries WHERE user_id = $1", await _jobs.UserIdAsync(reader.Username)));

        await _jobs.Conduit.FollowAsync(reader, author.Username);
        Assert.Equal([newer, older], await FeedSlugsAsync(reader));
    }

    [Fact]
    public async Task ADeletedArticleLeavesEveryFeed()
    {
        var author = await _jobs.Conduit.RegisterAsync("deleter");
        var follower = await _jobs.Conduit.RegisterAsync("watcher");
        await _jobs.Conduit.FollowAsync(follower, author.Username);
        var kept = (await _jobs.Conduit.CreateArticleAsync(author)).GetProperty("slug").GetString()!;
        var deleted = (await _jobs.Conduit.CreateArticleAsync(author)).GetProperty("slug").GetString()!;
        await WaitForFanOutAsync(deleted);

        using (var delete = await _jobs.Conduit.SendAsync(HttpMethod.Delete, $"/api/articles/{deleted}", null, author.Token))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        Assert.Equal([kept], await FeedSlugsAsync(follower));
    }

    private async Task<string[]> FeedSlugsAsync(TestUser user)
    {
        var feed = await _jobs.Conduit.GetOkAsync("/api/articles/feed", user.Token);
        var slugs = feed.GetProperty("articles").EnumerateArray().Select(a => a.GetProperty("slug").GetString()!).ToArray();
        Assert.Equal(slugs.Length, feed.GetProperty("articlesCount").GetInt32());
        return slugs;
    }

    private Task WaitForFanOutAsync(string slug) => Eventually.HoldsAsync(
        async () => await _jobs.ScalarAsync<bool>("SELECT fanned_out FROM articles WHERE slug = $1", slug),
        FanOutTimeout, () => $"article {slug} to be fanned out");
}
