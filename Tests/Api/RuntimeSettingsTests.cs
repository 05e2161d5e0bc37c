using System.Text.Json;

namespace AspireScale.Tests.Api;

// The runtime settings the read-path benchmarks measured are the ones the Api ships with: its runtimeconfig.json, copied
// next to the tests, is the file the runtime reads when the AppHost (or a container) starts Api.dll.
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void TheApiRunsServerGcWithoutThreadPoolSpinning()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Api.runtimeconfig.json")));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.GetProperty("System.GC.Server").GetBoolean());
        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }
}
