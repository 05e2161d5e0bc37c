using System.IO.Compression;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace AspireScale.Api.Caching;

// Brotli (preferred) and gzip at the fastest level, only for bodies of 1 KB and more: below that the headers and the
// CPU cost more than the bytes saved. HttpCaching gives every API answer a Content-Length, so the size is known when the
// response starts; an answer of unknown length (streamed) is compressed.
internal sealed class ThresholdCompressionProvider(IServiceProvider services, IOptions<ResponseCompressionOptions> options)
    : ResponseCompressionProvider(services, options)
{
    public const int MinimumBytes = 1024;

    public override bool ShouldCompressResponse(HttpContext context) =>
        context.Response.ContentLength is not < MinimumBytes && base.ShouldCompressResponse(context);
}

// A strong ETag names one exact byte sequence, so a compressed body gets its own ("<hash>-br", "<hash>-gzip", as Apache
// does); the suffix is stripped from If-None-Match on the way in, because the inner layers know only the identity ETag.
internal sealed class EncodedEtags(RequestDelegate next)
{
    private static readonly string[] Encodings = ["br", "gzip"];

    public Task InvokeAsync(HttpContext context)
    {
        var ifNoneMatch = context.Request.Headers.IfNoneMatch;
        if (ifNoneMatch.Count > 0)
        {
            context.Request.Headers.IfNoneMatch = new StringValues([.. ifNoneMatch.Select(value => StripEncodings(value ?? ""))]);
        }

        context.Response.OnStarting(static state =>
        {
            var response = (HttpResponse)state;
            string? etag = response.Headers.ETag;
            string? encoding = response.Headers.ContentEncoding;
            if (etag is { Length: > 2 } && etag[0] == '"' && encoding is { Length: > 0 })
            {
                response.Headers.ETag = $"{etag[..^1]}-{encoding}\"";
            }

            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    }

    internal static string StripEncodings(string header)
    {
        foreach (var encoding in Encodings)
        {
            header = header.Replace($"-{encoding}\"", "\"", StringComparison.Ordinal);
        }

        return header;
    }
}

internal static class CompressionExtensions
{
    public static IServiceCollection AddConduitCompression(this IServiceCollection services)
    {
        services.AddResponseCompression(options =>
        {
            options.EnableForHttps = true;
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
            options.MimeTypes = [.. ResponseCompressionDefaults.MimeTypes, "application/problem+json"];
        });
        services.Configure<BrotliCompressionProviderOptions>(options => options.Level = CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(options => options.Level = CompressionLevel.Fastest);
        services.AddSingleton<IResponseCompressionProvider, ThresholdCompressionProvider>();
        return services;
    }
}
