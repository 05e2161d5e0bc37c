using System.Net;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Api;

// Cross-origin reads (Api/Infrastructure/CorsExtensions.cs): what a browser on another origin, and a shared cache between
// it and the Api, need from every answer, with any origin allowed (the default) and with a list of origins.
[Collection(SharedTopology.Name)]
public sealed class CorsTests(SharedTopologyFixture topology)
{
    private const string Listed = "https://app.example";

    [Fact]
    public async Task WithAnyOriginAllowedEveryAnswerSaysSoEvenToARequestWithoutAnOrigin()
    {
        using var http = topology.App.CreateHttpClient("api", 0);

        using var withoutOrigin = await http.GetAsync("/api/tags");
        using var error = await http.GetAsync("/api/articles/no-such-article-" + Guid.NewGuid().ToString("N"));
        using var preflight = await SendAsync(http, HttpMethod.Options, "/api/articles", "https://elsewhere.example", ("Access-Control-Request-Method", "POST"));

        Assert.Equal(HttpStatusCode.OK, withoutOrigin.StatusCode);
        Assert.Equal("*", withoutOrigin.HeaderValue("Access-Control-Allow-Origin"));
        Assert.Equal("X-Instance", withoutOrigin.HeaderValue("Access-Control-Expose-Headers"));
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal("*", error.HeaderValue("Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal("*", preflight.HeaderValue("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task WithListedOriginsEveryAnswerVariesByOriginAndOnlyAListedOneIsAllowed()
    {
        await using var factory = new ConduitApiFactory(topology.App, ("Cors:Origins:0", Listed));
        using var http = factory.CreateClient();

        using var withoutOrigin = await http.GetAsync("/api/tags");
        using var listed = await SendAsync(http, HttpMethod.Get, "/api/tags", Listed);
        using var other = await SendAsync(http, HttpMethod.Get, "/api/tags", "https://elsewhere.example");

        // Vary: Origin on each, so that no shared cache hands one origin's answer to another.
        foreach (var response in new[] { withoutOrigin, listed, other })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("Origin", response.Headers.Vary);
        }

        Assert.Equal(Listed, listed.HeaderValue("Access-Control-Allow-Origin"));
        Assert.Equal("", other.HeaderValue("Access-Control-Allow-Origin"));
        Assert.Equal("", withoutOrigin.HeaderValue("Access-Control-Allow-Origin"));
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string origin, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("Origin", origin);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await http.SendAsync(request);
    }

}
