using System.IO.Compression;
using System.Net;
using System.Text.Json;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Caching;

// Brotli and gzip for bodies of 1 KB and more, nothing below, through the balancer.
[Collection(SharedTopology.Name)]
public sealed class CompressionTests(SharedTopologyFixture topology) : IDisposable
{
    private readonly HttpClient http = topology.App.CreateHttpClient();

    private ConduitClient Conduit => new(http);

    [Theory]
    [InlineData("br")]
    [InlineData("gzip")]
    public async Task AListOfArticlesIsCompressedWithTheEncodingTheClientAccepts(string encoding)
    {
        var author = await ArticlesAsync(5);

        using var response = await SendAsync($"/api/articles?author={author}", encoding);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([encoding], response.Content.Headers.ContentEncoding);
        using var json = JsonDocument.Parse(Decompress(await response.Content.ReadAsByteArrayAsync(), encoding));
        Assert.Equal(5, json.RootElement.GetProperty("articlesCount").GetInt32());
        Assert.EndsWith($"-{encoding}\"", response.Headers.ETag?.Tag, StringComparison.Ordinal);
        // A shared cache must keep the encodings apart.
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
    }

    [Fact]
    public async Task ABodyUnderOneKilobyteIsSentAsIs()
    {
        var user = await Conduit.RegisterAsync("small");
        await topology.App.WaitForReplicaAsync();

        using var response = await SendAsync($"/api/profiles/{user.Username}", "br, gzip");

        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.Length < 1024);
        Assert.Empty(response.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task TheEtagOfACompressedBodyRevalidatesTo304()
    {
        var author = await ArticlesAsync(5);
        using var first = await SendAsync($"/api/articles?author={author}", "br");
        var etag = first.Headers.ETag!.Tag;

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/articles?author={author}");
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "br");
        request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        using var second = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }

    public void Dispose() => http.Dispose();

    // An author with `count` articles: a list body of a few KB.
    private async Task<string> ArticlesAsync(int count)
    {
        var author = await Conduit.RegisterAsync("big");
        for (var i = 0; i < count; i++)
        {
            await Conduit.CreateArticleAsync(author, description: new string('d', 200), body: new string('b', 400));
        }

        await topology.App.WaitForReplicaAsync();
        return author.Username;
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string acceptEncoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        return await http.SendAsync(request);
    }

    private static byte[] Decompress(byte[] body, string encoding)
    {
        using var input = new MemoryStream(body);
        using Stream decoder = encoding == "br" ? new BrotliStream(input, CompressionMode.Decompress) : new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        decoder.CopyTo(output);
        return output.ToArray();
    }
}
