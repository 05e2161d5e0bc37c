using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using AspireScale.Api.Auth;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AspireScale.Api.Caching;

// Browser and CDN caching for the reads CacheTags lists: a strong ETag (hash of the body), 304 on a matching If-None-Match,
// Cache-Control by audience (anonymous: shared caches may keep it, browsers revalidate; with a token: private), and
// Vary: Authorization, Accept-Encoding; anonymous answers also carry their Surrogate-Key. Runs inside the output cache,
// so the headers are stored with the entry and a hit costs no hashing; the output cache answers If-None-Match on hits
// itself. Every API answer is buffered here to carry a Content-Length, which is what lets compression skip bodies under 1 KB.
internal sealed class HttpCaching(RequestDelegate next, IOptionsMonitor<CachingOptions> options)
{
    private const int EtagHashBytes = 16;
    private static readonly Microsoft.Extensions.Primitives.StringValues VaryBy = new([HeaderNames.Authorization, HeaderNames.AcceptEncoding]);

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>() is null)
        {
            await next(context);
            return;
        }

        var settings = options.CurrentValue;
        var cacheable = settings.HttpCaching && HttpMethods.IsGet(context.Request.Method) && CacheTags.IsCacheableRead(context);
        var response = context.Response;
        var original = response.Body;
        using var buffer = new ResponseBuffer();
        response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            response.Body = original;
        }

        if (!response.HasStarted && settings.HttpCaching && HttpMethods.IsGet(context.Request.Method))
        {
            if (cacheable && response.StatusCode == StatusCodes.Status200OK)
            {
                var etag = Etag(buffer);
                response.Headers.ETag = etag;
                if (context.User.Id() is null)
                {
                    response.Headers.CacheControl = string.Create(CultureInfo.InvariantCulture, $"public, max-age=0, s-maxage={(int)settings.SharedMaxAge.TotalSeconds}");
                    // What a shared cache needs to purge this answer when a write makes it stale (see SurrogateKeys).
                    response.Headers[SurrogateKeys.KeyHeader] = SurrogateKeys.Format(CacheTags.ForRead(context) ?? []);
                }
                else
                {
                    response.Headers.CacheControl = "private, no-cache";
                }

                response.Headers.Append(HeaderNames.Vary, VaryBy);
                if (Matches(context.Request.Headers.IfNoneMatch, etag))
                {
                    response.StatusCode = StatusCodes.Status304NotModified;
                    response.ContentLength = null;
                    response.Headers.ContentType = default;
                    return;
                }
            }
            else if (!cacheable)
            {
                // Answers about the signed-in user (GET /api/user carries a token) must never be stored anywhere.
                response.Headers.CacheControl = "no-store";
            }
        }

        // 204, 205 and 304 have no body: Kestrel throws on any write to one, even an empty one, once the headers are sent.
        if (response.StatusCode is StatusCodes.Status204NoContent or StatusCodes.Status205ResetContent or StatusCodes.Status304NotModified)
        {
            return;
        }

        response.ContentLength = buffer.Length;
        await original.WriteAsync(buffer.Written, context.RequestAborted);
    }

    private static string Etag(ResponseBuffer body)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body.Written.Span, hash);
        return $"\"{Base64Url.EncodeToString(hash[..EtagHashBytes])}\"";
    }

    // If-None-Match uses the weak comparison (RFC 9110 13.1.3): a W/ prefix is ignored; "*" matches any representation.
    internal static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        foreach (var header in ifNoneMatch)
        {
            foreach (var candidate in (header ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var tag = candidate.StartsWith("W/", StringComparison.Ordinal) ? candidate[2..] : candidate;
                if (tag == "*" || tag == etag)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
