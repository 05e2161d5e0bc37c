using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace AspireScale.Gateway;

// The balancer's response cache, as a CDN in front of the Api: hot anonymous reads are answered here without reaching a
// replica. What is stored, and for how long, is the Api's call:
// - only GET/HEAD with no Authorization and no Cookie, only 200s marked Cache-Control: public with s-maxage (and no
//   private, no-store, no-cache, Set-Cookie), varying on nothing but Authorization and Accept-Encoding, and carrying a
//   Surrogate-Key, without which no write could purge them;
// - keyed on path, query and the encoding the Api would pick (br, gzip or identity);
// - purged by the Surrogate-Purge header of a successful write before that write's answer reaches the client (so the
//   client's next read here is fresh), and by the Redis channel for writes that went straight to a replica
//   (GatewayPurgeSubscriber); while that channel is down nothing is served or stored;
// - If-None-Match is answered 304 from the stored ETag; a HEAD is answered from the stored GET; answers carry Age and
//   X-Cache: HIT, MISS or BYPASS (a hit keeps the X-Instance of the replica that produced it).
// The internal headers (Surrogate-Key, Surrogate-Purge; names as in Api/Caching/SurrogateKeys.cs) never reach the client,
// with the cache on or off.
internal static class GatewayResponseCaching
{
    public const string SurrogateKeyHeader = "Surrogate-Key";
    public const string SurrogatePurgeHeader = "Surrogate-Purge";
    public const string CacheStatusHeader = "X-Cache";

    // Per client, or meaningless once replayed to another one.
    private static readonly HashSet<string> NotReplayed = new(StringComparer.OrdinalIgnoreCase)
    {
        HeaderNames.Date, HeaderNames.Age, HeaderNames.TransferEncoding, HeaderNames.Connection, HeaderNames.KeepAlive,
        HeaderNames.ContentLength, HeaderNames.SetCookie, SurrogateKeyHeader, SurrogatePurgeHeader, CacheStatusHeader,
        "RateLimit", "RateLimit-Policy",
    };

    private static readonly HashSet<string> AllowedVary = new(StringComparer.OrdinalIgnoreCase)
    {
        HeaderNames.Authorization, HeaderNames.AcceptEncoding,
    };

    // cache is null with --gateway-cache off: the internal headers are still stripped.
    public static IApplicationBuilder UseGatewayResponseCaching(this IApplicationBuilder app, GatewayCache? cache, GatewayPurgeSubscriber? purges) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
            {
                context.Response.OnStarting(static state =>
                {
                    var (response, cache) = ((HttpResponse, GatewayCache?))state;
                    if (response.Headers.TryGetValue(SurrogatePurgeHeader, out var purged))
                    {
                        response.Headers.Remove(SurrogatePurgeHeader);
                        cache?.Purge(ParseTags(purged));
                    }

                    return Task.CompletedTask;
                }, (context.Response, cache));
                await next(context);
                return;
            }

            if (cache is null)
            {
                context.Response.OnStarting(static state =>
                {
                    ((HttpResponse)state).Headers.Remove(SurrogateKeyHeader);
                    return Task.CompletedTask;
                }, context.Response);
                await next(context);
                return;
            }

            if (request.Headers.ContainsKey(HeaderNames.Authorization) || request.Headers.ContainsKey(HeaderNames.Cookie)
                || purges is not { IsListening: true })
            {
                await PassAsync(context, next, "BYPASS");
                return;
            }

            var key = Key(request);
            if (cache.Get(key) is { } entry)
            {
                await ServeAsync(context, cache, entry);
                return;
            }

            await FillAsync(context, next, cache, key);
        });

    private static async Task PassAsync(HttpContext context, RequestDelegate next, string status)
    {
        context.Response.OnStarting(static state =>
        {
            var (response, status) = ((HttpResponse, string))state;
            response.Headers.Remove(SurrogateKeyHeader);
            response.Headers[CacheStatusHeader] = status;
            return Task.CompletedTask;
        }, (context.Response, status));
        await next(context);
    }

    private static async Task ServeAsync(HttpContext context, GatewayCache cache, GatewayCacheEntry entry)
    {
        var response = context.Response;
        var notModified = entry.ETag is not null && Matches(context.Request.Headers.IfNoneMatch, entry.ETag);
        response.StatusCode = notModified ? StatusCodes.Status304NotModified : StatusCodes.Status200OK;
        foreach (var (name, value) in entry.Headers)
        {
            // A 304 carries the validators and caching headers, not the representation's metadata.
            if (!notModified || !name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                response.Headers[name] = value;
            }
        }

        response.Headers.Age = ((long)cache.Age(entry).TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers[CacheStatusHeader] = "HIT";
        if (notModified)
        {
            return;
        }

        response.ContentLength = entry.Body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(entry.Body, context.RequestAborted);
        }
    }

    private static async Task FillAsync(HttpContext context, RequestDelegate next, GatewayCache cache, string key)
    {
        var startedAt = cache.Time.GetTimestamp();
        var response = context.Response;
        var storable = HttpMethods.IsGet(context.Request.Method) && !context.Request.Headers.ContainsKey(HeaderNames.IfNoneMatch);
        string[] tags = [];
        KeyValuePair<string, StringValues>[] headers = [];
        string? etag = null;
        TimeSpan freshFor = default, initialAge = default;
        response.OnStarting(() =>
        {
            var surrogateKeys = response.Headers[SurrogateKeyHeader];
            response.Headers.Remove(SurrogateKeyHeader);
            response.Headers[CacheStatusHeader] = "MISS";
            if (storable && Freshness(response, KeyEncoding(key)) is { } lifetime && ParseTags(surrogateKeys) is { Length: > 0 } parsed)
            {
                (freshFor, initialAge, tags) = (lifetime.FreshFor, lifetime.Age, parsed);
                headers = [.. response.Headers.Where(h => !NotReplayed.Contains(h.Key))];
                etag = response.Headers.ETag.Count > 0 ? response.Headers.ETag.ToString() : null;
            }
            else
            {
                storable = false;
            }

            return Task.CompletedTask;
        });

        var client = response.Body;
        await using var capture = new CapturingStream(client, GatewayCache.MaxEntryBytes);
        response.Body = capture;
        try
        {
            await next(context);
        }
        finally
        {
            response.Body = client;
        }

        // An answer slower than the guard may predate a purge the guard no longer remembers.
        if (storable && tags.Length > 0 && capture.Captured is { } body
            && (response.ContentLength is null || response.ContentLength == body.Length)
            && cache.Time.GetElapsedTime(startedAt) < GatewayCache.StaleFillGuard
            && !context.RequestAborted.IsCancellationRequested)
        {
            cache.TryStore(new GatewayCacheEntry(key, body, headers, etag, tags, cache.Time.GetTimestamp(), initialAge, freshFor), startedAt);
        }
    }

    // How long a shared cache may keep this answer, or null when it may not.
    private static (TimeSpan FreshFor, TimeSpan Age)? Freshness(HttpResponse response, string keyEncoding)
    {
        if (response.StatusCode != StatusCodes.Status200OK || response.Headers.ContainsKey(HeaderNames.SetCookie)
            || !CacheControlHeaderValue.TryParse(response.Headers.CacheControl.ToString(), out var control)
            || control is not { Public: true, Private: false, NoStore: false, NoCache: false, SharedMaxAge: { } sharedMaxAge }
            || sharedMaxAge <= TimeSpan.Zero)
        {
            return null;
        }

        foreach (var vary in List(response.Headers.Vary))
        {
            if (!AllowedVary.Contains(vary))
            {
                return null;
            }
        }

        // The key promised one encoding; a body in another one (the client's preference read differently) is not stored.
        var encoding = response.Headers.ContentEncoding.ToString();
        if (encoding.Length > 0 && !encoding.Equals(keyEncoding, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var age = long.TryParse(response.Headers.Age.ToString(), out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;
        return age < sharedMaxAge ? (sharedMaxAge, age) : null;
    }

    // GET and HEAD share entries (a HEAD is answered from a stored GET); the Api's paths are case-sensitive.
    private static string Key(HttpRequest request) =>
        $"{Encoding(request.Headers.AcceptEncoding)} {request.Path.Value}{request.QueryString.Value}";

    private static string KeyEncoding(string key) => key[..key.IndexOf(' ', StringComparison.Ordinal)];

    // The encoding the Api's response compression would choose: the highest quality of br and gzip (br on a tie, "*"
    // counting for both), identity when neither is acceptable or identity is explicitly preferred.
    internal static string Encoding(StringValues acceptEncoding)
    {
        if (acceptEncoding.Count == 0 || !StringWithQualityHeaderValue.TryParseList(acceptEncoding, out var values))
        {
            return "identity";
        }

        double? Quality(string name) =>
            values.Where(v => v.Value.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(v => v.Quality ?? 1).Cast<double?>().FirstOrDefault();
        var any = Quality("*");
        var br = Quality("br") ?? any ?? 0;
        var gzip = Quality("gzip") ?? any ?? 0;
        var identity = Quality("identity") ?? 0;
        var best = Math.Max(br, gzip);
        return best <= 0 || identity > best ? "identity" : br >= gzip ? "br" : "gzip";
    }

    internal static string[] ParseTags(StringValues header) =>
        [.. header.SelectMany(v => (v ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))];

    // Weak comparison (RFC 9110 13.1.3), as the Api does.
    private static bool Matches(StringValues ifNoneMatch, string etag)
    {
        var stored = etag.StartsWith("W/", StringComparison.Ordinal) ? etag[2..] : etag;
        foreach (var candidate in List(ifNoneMatch))
        {
            var tag = candidate.StartsWith("W/", StringComparison.Ordinal) ? candidate[2..] : candidate;
            if (tag == "*" || tag == stored)
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<string> List(StringValues header) =>
        header.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    // Passes the body to the client as it comes and keeps a copy, up to a limit (a larger answer is just not stored).
    private sealed class CapturingStream(Stream inner, int limit) : Stream
    {
        private MemoryStream? _copy = new();

        public byte[]? Captured => _copy?.ToArray();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            Keep(buffer.AsSpan(offset, count));
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Keep(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private void Keep(ReadOnlySpan<byte> bytes)
        {
            if (_copy is null)
            {
                return;
            }

            if (_copy.Length + bytes.Length > limit)
            {
                _copy = null;
                return;
            }

            _copy.Write(bytes);
        }
    }
}
