using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace AspireScale.Tests.Infrastructure;

// Reads one metric from a service's /metrics (Prometheus text format).
public static partial class PrometheusScrape
{
    // The sum of every series of the metric, or -1 when the service does not export it (yet).
    public static async Task<double> SumAsync(HttpClient service, string metric)
    {
        using var response = await service.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var values = (await response.Content.ReadAsStringAsync()).Split('\n')
            .Select(line => Sample().Match(line))
            .Where(match => match.Success && match.Groups["name"].Value == metric)
            .Select(match => double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture))
            .ToList();
        return values.Count == 0 ? -1 : values.Sum();
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(?<value>[-+0-9.eE]+|NaN)(\s+\d+)?$")]
    private static partial Regex Sample();
}
