using System.Net;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Api;

[Collection(SharedTopology.Name)]
public sealed class ProfilesApiTests(SharedTopologyFixture topology, InProcessApi api) : IClassFixture<InProcessApi>
{
    private readonly ConduitClient conduit = new(api.For(topology.App).CreateClient());

    [Fact]
    public async Task AProfileIsPublicAndNotFollowedByAnonymousReaders()
    {
        var celeb = await conduit.RegisterAsync("celeb");
        await topology.App.WaitForReplicaAsync();

        var profile = (await conduit.GetOkAsync($"/api/profiles/{celeb.Username}")).GetProperty("profile");

        Assert.Equal(celeb.Username, profile.Str("username"));
        profile.AssertNullProperty("bio");
        profile.AssertNullProperty("image");
        Assert.False(profile.GetProperty("following").GetBoolean());
        Assert.False(profile.TryGetProperty("email", out _), "a profile must not expose the email");
    }

    [Fact]
    public async Task AnUnknownProfileReturns404WithErrors()
    {
        using var response = await conduit.GetAsync($"/api/profiles/{ConduitClient.UniqueName("ghost")}");

        await response.AssertErrorsAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task FollowingSetsFollowingForTheFollowerOnly()
    {
        var celeb = await conduit.RegisterAsync("celeb");
        var fan = await conduit.RegisterAsync("fan");
        var stranger = await conduit.RegisterAsync("stranger");

        var followed = await conduit.FollowAsync(fan, celeb.Username);

        Assert.Equal(celeb.Username, followed.Str("username"));
        Assert.True(followed.GetProperty("following").GetBoolean());
        Assert.True((await conduit.GetOkAsync($"/api/profiles/{celeb.Username}", fan.Token)).GetProperty("profile").GetProperty("following").GetBoolean());
        await topology.App.WaitForReplicaAsync();
        Assert.False((await conduit.GetOkAsync($"/api/profiles/{celeb.Username}", stranger.Token)).GetProperty("profile").GetProperty("following").GetBoolean());
        Assert.False((await conduit.GetOkAsync($"/api/profiles/{celeb.Username}")).GetProperty("profile").GetProperty("following").GetBoolean());
    }

    [Fact]
    public async Task FollowingTwiceKeepsFollowing()
    {
        var celeb = await conduit.RegisterAsync("celeb");
        var fan = await conduit.RegisterAsync("fan");
        await conduit.FollowAsync(fan, celeb.Username);

        var again = await conduit.FollowAsync(fan, celeb.Username);

        Assert.True(again.GetProperty("following").GetBoolean());
    }

    [Fact]
    public async Task UnfollowingSetsFollowingFalse()
    {
        var celeb = await conduit.RegisterAsync("celeb");
        var fan = await conduit.RegisterAsync("fan");
        await conduit.FollowAsync(fan, celeb.Username);

        using var response = await conduit.SendAsync(HttpMethod.Delete, $"/api/profiles/{celeb.Username}/follow", null, fan.Token);

        var profile = (await response.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("profile");
        Assert.Equal(celeb.Username, profile.Str("username"));
        Assert.False(profile.GetProperty("following").GetBoolean());
        Assert.False((await conduit.GetOkAsync($"/api/profiles/{celeb.Username}", fan.Token)).GetProperty("profile").GetProperty("following").GetBoolean());
    }

    [Fact]
    public async Task FollowingRequiresAToken()
    {
        var celeb = await conduit.RegisterAsync("celeb");

        using var follow = await conduit.SendAsync(HttpMethod.Post, $"/api/profiles/{celeb.Username}/follow");
        await follow.AssertErrorsAsync(HttpStatusCode.Unauthorized);
        using var unfollow = await conduit.SendAsync(HttpMethod.Delete, $"/api/profiles/{celeb.Username}/follow");
        await unfollow.AssertErrorsAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task FollowingAnUnknownUserReturns404WithErrors()
    {
        var fan = await conduit.RegisterAsync("fan");

        using var response = await conduit.SendAsync(HttpMethod.Post, $"/api/profiles/{ConduitClient.UniqueName("ghost")}/follow", null, fan.Token);

        await response.AssertErrorsAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AProfileShowsTheUpdatedBioAndImage()
    {
        var user = await conduit.RegisterAsync("bio");
        using (var update = await conduit.SendAsync(HttpMethod.Put, "/api/user",
            new { user = new { bio = "I work at statefarm", image = "https://example.com/smiley.jpg" } }, user.Token))
        {
            await update.ReadJsonAsync(HttpStatusCode.OK);
        }

        await topology.App.WaitForReplicaAsync();
        var profile = (await conduit.GetOkAsync($"/api/profiles/{user.Username}")).GetProperty("profile");

        Assert.Equal("I work at statefarm", profile.Str("bio"));
        Assert.Equal("https://example.com/smiley.jpg", profile.Str("image"));
    }
}
