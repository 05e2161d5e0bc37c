using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
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
        app.MapGet("/ping", () => "pong");
        app.MapDefaultEndpoints();
        await app.StartAsync();
        using var client = app.GetTestClient();

        var meter = app.Services.GetRequiredService<IMeterFactory>().Create(TelemetryNames.Conduit);
        var counter = meter.CreateCounter<long>("aspirescale.test.series");
        const int tagged = Extensions.MetricSeriesPerInstrument + 44;
        for (var i = 0; i < tagged; i++)
        {
            counter.Add(1, new KeyValuePair<string, object?>("item", i));
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/ping")).StatusCode);
        var lines = (await client.GetStringAsync(Extensions.MetricsEndpointPath)).Split('\n');

        var series = lines.Where(line => line.StartsWith("aspirescale_test_series_total{", StringComparison.Ordinal)).ToList();
        // The limit's series, and the overflow series beside them.
        Assert.InRange(series.Count, 2, Extensions.MetricSeriesPerInstrument + 1);
        var overflow = Assert.Single(series, line => line.Contains("otel_metric_overflow=\"true\"", StringComparison.Ordinal));
        // Nothing counted is lost: the overflow series holds what the others could not.
        Assert.Equal(tagged, series.Sum(line => long.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture)));
        Assert.True(long.Parse(overflow.Split(' ')[1], CultureInfo.InvariantCulture) >= tagged - Extensions.MetricSeriesPerInstrument);

        // The view sets only the limit: ASP.NET Core's advised request-duration buckets (seconds, from 5 ms) still apply.
        Assert.Contains(lines, line => line.StartsWith("http_server_request_duration_seconds_bucket{", StringComparison.Ordinal)
            && line.Contains("http_route=\"/ping\"", StringComparison.Ordinal) && line.Contains("le=\"0.005\"", StringComparison.Ordinal));
    }
}
