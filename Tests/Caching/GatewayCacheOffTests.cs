using System.Net;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Caching;

// --gateway-cache off: the balancer only balances. Every read reaches a replica, and the Api's internal headers are
// still stripped.
[Collection(OwnTopology.Name)]
public sealed class GatewayCacheOffTests
{
    [Fact]
    public async Task WithTheGatewayCacheOffEveryAnonymousReadReachesAReplica()
    {
        await using var app = await DistributedApplicationTestingBuilder.Create("--replicas", "2", "--gateway-cache", "off").StartAsync();
        using var http = app.CreateHttpClient();
        var conduit = new ConduitClient(http);
        var author = await conduit.RegisterAsync("nocache");
        var slug = (await conduit.CreateArticleAsync(author)).Str("slug");
        await app.WaitForReplicaAsync();
        var before = await app.ReplicaRequestsAsync("/api/articles/{slug}");

        const int reads = 8;
        for (var i = 0; i < reads; i++)
        {
            using var response = await conduit.GetAsync($"/api/articles/{slug}");
            await response.ReadJsonAsync(HttpStatusCode.OK);
            Assert.Null(GatewayProbes.Verdict(response));
            Assert.False(response.Headers.Contains("Surrogate-Key"));
        }

        Assert.Equal(before + reads, await app.ReplicaRequestsAsync("/api/articles/{slug}"));
    }
}
