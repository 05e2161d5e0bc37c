using System.IO.Compression;
using AspireScale.Api.Caching;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AspireScale.Tests.Caching;

// What the Api's compression registration (Api/Caching/Compression.cs) decides, as pure logic: the exact 1 KB threshold,
// the fastest level for both encodings, and Brotli before gzip when a client takes both.
public sealed class CompressionChoiceTests : IDisposable
{
    private readonly ServiceProvider services = new ServiceCollection().AddLogging().AddConduitCompression().BuildServiceProvider();

    [Theory]
    [InlineData(1023, false)]
    [InlineData(1024, true)]
    [InlineData(null, true)]
    public void OnlyBodiesOfOneKilobyteAndMoreAreCompressed(int? length, bool compressed)
    {
        var context = JsonResponse("br, gzip", length);

        Assert.Equal(compressed, Provider.ShouldCompressResponse(context));
    }

    [Fact]
    public void BothEncodingsUseTheFastestLevelAndBrotliIsPreferred()
    {
        Assert.Equal(CompressionLevel.Fastest, services.GetRequiredService<IOptions<BrotliCompressionProviderOptions>>().Value.Level);
        Assert.Equal(CompressionLevel.Fastest, services.GetRequiredService<IOptions<GzipCompressionProviderOptions>>().Value.Level);
        Assert.Equal("br", Provider.GetCompressionProvider(JsonResponse("gzip, br", 4096))?.EncodingName);
        Assert.Equal("gzip", Provider.GetCompressionProvider(JsonResponse("gzip", 4096))?.EncodingName);
    }

    public void Dispose() => services.Dispose();

    private IResponseCompressionProvider Provider => services.GetRequiredService<IResponseCompressionProvider>();

    private DefaultHttpContext JsonResponse(string acceptEncoding, int? length)
    {
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Headers.AcceptEncoding = acceptEncoding;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = length;
        return context;
    }
}
