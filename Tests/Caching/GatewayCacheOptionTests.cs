using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Caching;

// --gateway-cache on|off in the AppHost's command line (on by default).
public sealed class GatewayCacheOptionTests
{
    private static readonly Type Options = AppHostAssembly.Type("AspireScale.AppHost.Hosting.AppHostOptions");

    [Theory]
    [InlineData(new string[0], true)]
    [InlineData(new[] { "--gateway-cache", "on" }, true)]
    [InlineData(new[] { "--gateway-cache", "off" }, false)]
    public void TheGatewayCacheIsOnUnlessSwitchedOff(string[] args, bool expected)
    {
        var options = AppHostAssembly.Invoke(null, Options, "Parse", [args])!;

        Assert.Equal(expected, AppHostAssembly.Property(options, "GatewayCache"));
    }

    [Fact]
    public void AnythingButOnOrOffIsRefusedWithAMessage()
    {
        var error = Assert.Throws<ArgumentException>(() => AppHostAssembly.Invoke(null, Options, "Parse", [new[] { "--gateway-cache", "maybe" }]));

        Assert.Contains("--gateway-cache", error.Message, StringComparison.Ordinal);
    }
}
