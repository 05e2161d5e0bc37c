using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AspireScale.Tests.ServiceDefaults;

public sealed class MetricSeriesLimitTests
{
    [Fact]
    public async Task SeriesPastTheLimitAreSummedIntoOneOverflowSeriesAndTheAdvisedBucketsStay()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        using var client = app.GetTestClient();

        var meter = app.Services.GetRequiredService<IMeterFactory>().Create(TelemetryNames.Conduit);
        var counter = meter.CreateCounter<long>("aspirescale.test.series");
        const int limit = Extensions.MetricSeriesPerInstrument;
        const int tagged = limit + 44;
        for (var i = 0; i < tagged; i++)
        {
            counter.Add(1, new KeyValuePair<string, object?>("item", i));
        }

        // Bounds no default has: they reach /metrics only if the view leaves the instrument's own advice in place.
        var histogram = meter.CreateHistogram<double>("aspirescale.test.duration", "s", null, null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.123, 4.56] });
        histogram.Record(0.1);

        var lines = (await client.GetStringAsync(Extensions.MetricsEndpointPath)).Split('\n');

        var series = lines.Where(line => line.StartsWith("aspirescale_test_series_total{", StringComparison.Ordinal)).ToList();
        // The limit's series, and the overflow series beside them.
        Assert.Equal(limit + 1, series.Count);
        var overflow = Assert.Single(series, line => line.Contains("otel_metric_overflow=\"true\"", StringComparison.Ordinal));
        Assert.Equal(tagged - limit, ValueOf(overflow));
        // Nothing counted is lost.
        Assert.Equal(tagged, series.Sum(ValueOf));

        Assert.Contains(lines, line => line.StartsWith("aspirescale_test_duration_seconds_bucket{", StringComparison.Ordinal)
            && line.Contains("le=\"0.123\"", StringComparison.Ordinal));
    }

    private static long ValueOf(string sample) => long.Parse(sample.Split(' ')[1], CultureInfo.InvariantCulture);
}
