using System.Text;
using System.Text.Json;
using AspireScale.Api.Infrastructure;

namespace AspireScale.Tests.Api;

// Pure logic: timestamps leave the API as ISO 8601 UTC with exactly six fractional digits, truncated like PostgreSQL's.
public sealed class TimestampJsonTests
{
    [Theory]
    [InlineData(12, 34, 56, 1_234_567, "\"2026-11-30T12:34:56.123456Z\"")]
    [InlineData(0, 0, 0, 0, "\"2026-11-30T00:00:00.000000Z\"")]
    [InlineData(0, 0, 0, 9, "\"2026-11-30T00:00:00.000000Z\"")]
    [InlineData(23, 59, 59, 10, "\"2026-11-30T23:59:59.000001Z\"")]
    public void TimesAreWrittenInUtcWithSixFractionalDigitsTruncated(int hour, int minute, int second, long ticks, string expected)
    {
        var value = new DateTime(2026, 11, 30, hour, minute, second, DateTimeKind.Utc).AddTicks(ticks);

        Assert.Equal(expected, Write(value));
    }

    [Fact]
    public void AWrittenTimeReadsBackAsTheSameUtcInstant()
    {
        var value = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(67_890);
        var options = new JsonSerializerOptions { Converters = { new UtcMicrosecondsConverter() } };

        var read = JsonSerializer.Deserialize<DateTime>(Write(value), options);

        Assert.Equal(DateTimeKind.Utc, read.Kind);
        Assert.Equal(value, read);
    }

    private static string Write(DateTime value)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            new UtcMicrosecondsConverter().Write(writer, value, new JsonSerializerOptions());
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
