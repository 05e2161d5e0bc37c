extern alias apphost;

using Microsoft.Extensions.Configuration;
using AppHostSettings = apphost::AspireScale.AppHost.AppHostSettings;

namespace AspireScale.Tests.Topology;

// The AppHost's options, read as Aspire reads its configuration, without starting anything: the README's flags are
// rewritten to AspireScale:* keys, which the environment (AspireScale__Replicas) may set as well.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AppHostSettingsTests
{
    private const string AppHostDirectory = "/repo/AppHost";

    [Fact]
    public void WithoutOptionsTheAppHostRunsTwoApiReplicasOnTheRepositoryDataFolderInDevelopment()
    {
        var settings = Read();

        Assert.Equal(2, settings.Replicas);
        Assert.Equal(1, settings.Workers);
        Assert.Null(settings.GatewayPort);
        Assert.False(settings.Fresh);
        Assert.False(settings.PgBouncer);
        Assert.True(settings.GatewayCache);
        Assert.Null(settings.Otlp);
        Assert.Equal("PowerOfTwoChoices", settings.Balancing);
        Assert.Equal("Development", settings.EnvironmentName);
        Assert.Equal("/repo/.aspirescale", settings.DataDirectory);
        Assert.True(AppHostSettings.DashboardWanted(AppHostSettings.RewriteFlags([])));
    }

    [Fact]
    public void TheReadmeFlagsAreReadAndABalancingPolicyIsChosenByName()
    {
        var settings = Read("--replicas", "4", "--workers", "3", "--pgbouncer", "--port", "18080", "--data", "/tmp/somewhere", "--fresh",
            "--balancing", "round-robin", "--otlp", "http://127.0.0.1:4317", "--gateway-cache", "off", "--environment", "Production");

        Assert.Equal(4, settings.Replicas);
        Assert.Equal(3, settings.Workers);
        Assert.True(settings.PgBouncer);
        Assert.Equal(18080, settings.GatewayPort);
        Assert.Equal("/tmp/somewhere", settings.DataDirectory);
        Assert.True(settings.Fresh);
        Assert.Equal("RoundRobin", settings.Balancing);
        Assert.Equal("http://127.0.0.1:4317", settings.Otlp);
        Assert.False(settings.GatewayCache);
        Assert.Equal("Production", settings.EnvironmentName);
    }

    [Fact]
    public void ConfigurationKeysWorkAsWellAsFlagsAndAspiresOwnArgumentsPassThrough()
    {
        var rewritten = AppHostSettings.RewriteFlags(["--replicas", "3", "--publisher", "manifest", "--dashboard", "off"]);

        Assert.Equal(["--AspireScale:Replicas=3", "--publisher", "manifest", "--AspireScale:Dashboard=off"], rewritten);
        Assert.False(AppHostSettings.DashboardWanted(rewritten));
        Assert.Equal(5, Read("--AspireScale:Replicas=5").Replicas);
    }

    [Theory]
    [InlineData("--replicas", "0")]
    [InlineData("--workers", "none")]
    [InlineData("--port", "-1")]
    [InlineData("--balancing", "random")]
    [InlineData("--gateway-cache", "maybe")]
    [InlineData("--environment", "../etc")]
    [InlineData("--environment", "Prod uction")]
    public void BadOptionsAreRefusedWithAMessageNamingTheFlag(string option, string value)
    {
        var error = Assert.Throws<ArgumentException>(() => Read(option, value));

        Assert.Contains(option, error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFlagWithoutItsValueIsRefused() =>
        Assert.Contains("--replicas", Assert.Throws<ArgumentException>(() => AppHostSettings.RewriteFlags(["--replicas"])).Message, StringComparison.Ordinal);

    private static AppHostSettings Read(params string[] args)
    {
        var configuration = new ConfigurationBuilder().AddCommandLine(AppHostSettings.RewriteFlags([.. args, "--backing-services", "processes"])).Build();
        return AppHostSettings.Read(configuration, AppHostDirectory);
    }
}
