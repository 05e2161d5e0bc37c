using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Caching;

// What the gateway-cache tests observe from outside: the balancer's X-Cache verdict, and how many requests for a route
// the API replicas themselves handled (their own http.server.request.duration counters on /metrics), which is what proves
// that a hit never reached a replica.
internal static partial class GatewayProbes
{
    public const string CacheStatus = "X-Cache";
    public static readonly string[] InternalHeaders = ["Surrogate-Key", "Surrogate-Purge"];
    private static readonly TimeSpan HitDeadline = TimeSpan.FromSeconds(20);

    public static string? Verdict(HttpResponseMessage response) =>
        response.Headers.TryGetValues(CacheStatus, out var values) ? string.Join(",", values) : null;

    // Reads until the balancer answers from its own cache. Not a fixed wait: after a write, fills are refused for the
    // stale-fill guard, so the first reads may all be misses.
    public static async Task WaitForGatewayHitAsync(HttpClient gateway, string path)
    {
        var conduit = new ConduitClient(gateway);
        var deadline = DateTime.UtcNow + HitDeadline;
        while (true)
        {
            using var response = await conduit.GetAsync(path);
            await response.ReadJsonAsync(HttpStatusCode.OK);
            if (Verdict(response) == "HIT")
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"GET {path} was never answered from the balancer's cache (last: {Verdict(response)}).");
            await Task.Delay(200);
        }
    }

    // Requests for one route template (e.g. "/api/articles/{slug}") the API replicas have handled, summed over replicas.
    // Counts are recorded when a request ends, and the exporter may cache a scrape for a moment: read until two scrapes
    // agree.
    public static async Task<long> ReplicaRequestsAsync(this RunningAppHost app, string route)
    {
        var previous = await ScrapeAsync(app, route);
        while (true)
        {
            await Task.Delay(400);
            var current = await ScrapeAsync(app, route);
            if (current == previous)
            {
                return current;
            }

            previous = current;
        }
    }

    private static async Task<long> ScrapeAsync(RunningAppHost app, string route)
    {
        var manifest = await app.RefreshManifestAsync();
        long total = 0;
        for (var i = 0; i < manifest.Resource("api").Replicas.Count; i++)
        {
            using var replica = app.CreateHttpClient("api", i);
            var text = await replica.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            foreach (Match match in RequestCount().Matches(text))
            {
                if (match.Groups["labels"].Value.Contains($"http_route=\"{route}\"", StringComparison.Ordinal))
                {
                    total += long.Parse(match.Groups["count"].Value, CultureInfo.InvariantCulture);
                }
            }
        }

        return total;
    }

    [GeneratedRegex(@"^http_server_request_duration_seconds_count\{(?<labels>.*)\} (?<count>\d+)", RegexOptions.Multiline)]
    private static partial Regex RequestCount();
}
