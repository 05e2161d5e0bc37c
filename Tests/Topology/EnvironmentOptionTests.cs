using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Topology;

// --environment NAME in the AppHost's command line: the services' DOTNET_ENVIRONMENT and ASPNETCORE_ENVIRONMENT.
public sealed class EnvironmentOptionTests
{
    private static readonly Type Options = AppHostAssembly.Type("AspireScale.AppHost.Hosting.AppHostOptions");

    [Theory]
    [InlineData(new string[0], "Development")]
    [InlineData(new[] { "--environment", "Production" }, "Production")]
    [InlineData(new[] { "--environment", "Staging-2" }, "Staging-2")]
    public void ServicesRunInDevelopmentUnlessTold(string[] args, string expected)
    {
        var options = AppHostAssembly.Invoke(null, Options, "Parse", [args])!;

        Assert.Equal(expected, AppHostAssembly.Property(options, "EnvironmentName"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../etc")]
    [InlineData("Prod uction")]
    public void ANameThatIsNotAnEnvironmentIsRefusedWithAMessage(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => AppHostAssembly.Invoke(null, Options, "Parse", [new[] { "--environment", name }]));

        Assert.Contains("--environment", error.Message, StringComparison.Ordinal);
    }
}
