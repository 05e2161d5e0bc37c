using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Topology;

// Pure logic of the AppHost, without starting anything.
public sealed class AppHostLogicTests
{
    private static readonly Type Backoff = AppHostAssembly.Type("AspireScale.AppHost.Supervision.RestartBackoff");
    private static readonly Type Options = AppHostAssembly.Type("AspireScale.AppHost.Hosting.AppHostOptions");

    [Fact]
    public void RestartDelaysDoubleUpToTheCapAndStartOverOnceTheProcessWasHealthy()
    {
        var backoff = Activator.CreateInstance(Backoff, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5))!;
        TimeSpan Next() => (TimeSpan)AppHostAssembly.Invoke(backoff, Backoff, "NextDelay")!;

        var delays = Enumerable.Range(0, 6).Select(_ => Next().TotalSeconds).ToList();
        AppHostAssembly.Invoke(backoff, Backoff, "Reset");

        Assert.Equal([1, 2, 4, 5, 5, 5], delays);
        Assert.Equal(TimeSpan.FromSeconds(1), Next());
    }

    [Fact]
    public void WithoutOptionsTheAppHostRunsTwoApiReplicasOnTheRepositoryDataFolder()
    {
        var options = AppHostAssembly.Invoke(null, Options, "Parse", [Array.Empty<string>()])!;

        Assert.Equal(2, AppHostAssembly.Property(options, "Replicas"));
        Assert.Equal(0, AppHostAssembly.Property(options, "GatewayPort"));
        Assert.Equal(false, AppHostAssembly.Property(options, "Fresh"));
        Assert.EndsWith("/.aspirescale", (string)AppHostAssembly.Property(options, "DataDirectory")!, StringComparison.Ordinal);
    }

    [Fact]
    public void CommandLineOptionsAreReadAndABalancingPolicyIsChosenByName()
    {
        var options = AppHostAssembly.Invoke(null, Options, "Parse",
            [new[] { "--replicas", "4", "--workers", "3", "--pgbouncer", "--port", "18080", "--data", "/tmp/somewhere", "--fresh", "--balancing", "round-robin", "--otlp", "http://127.0.0.1:4317" }])!;

        Assert.Equal(4, AppHostAssembly.Property(options, "Replicas"));
        Assert.Equal(3, AppHostAssembly.Property(options, "Workers"));
        Assert.Equal(true, AppHostAssembly.Property(options, "PgBouncer"));
        Assert.Equal(18080, AppHostAssembly.Property(options, "GatewayPort"));
        Assert.Equal("/tmp/somewhere", AppHostAssembly.Property(options, "DataDirectory"));
        Assert.Equal(true, AppHostAssembly.Property(options, "Fresh"));
        Assert.Equal("RoundRobin", AppHostAssembly.Property(options, "Balancing")!.ToString());
        Assert.Equal("http://127.0.0.1:4317", AppHostAssembly.Property(options, "OtlpEndpoint"));
    }

    [Theory]
    [InlineData("--replicas", "0")]
    [InlineData("--workers", "none")]
    [InlineData("--balancing", "random")]
    [InlineData("--bogus", "1")]
    public void BadOptionsAreRefusedWithAMessage(string option, string value)
    {
        var error = Assert.Throws<ArgumentException>(() => AppHostAssembly.Invoke(null, Options, "Parse", [new[] { option, value }]));

        Assert.Contains(option, error.Message, StringComparison.Ordinal);
    }
}
