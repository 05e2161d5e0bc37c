using System.Diagnostics;
using System.Text.Json.Nodes;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Topology;

// `--publisher manifest` writes the model (the contract the Azure infrastructure is checked against) and starts nothing.
public sealed class ManifestPublisherTests
{
    [Fact]
    public async Task TheManifestDescribesEveryResourceOfTheTopology()
    {
        var output = Path.Combine(Path.GetTempPath(), $"apphost-manifest-{Guid.NewGuid():N}.json");
        try
        {
            using var process = Process.Start(new ProcessStartInfo("dotnet", [AppHostAssembly.Path, "--publisher", "manifest", "--output-path", output])
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            })!;
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, process.ExitCode);

            var resources = JsonNode.Parse(await File.ReadAllTextAsync(output))!["resources"]!.AsObject();

            Assert.Equal(
                ["api", "cache", "conduit", "conduit-read", "gateway", "jwt-signing-key", "messaging", "migrations", "postgres", "postgres-replica", "worker"],
                resources.Select(r => r.Key).Order());
            Assert.Equal("postgres.replica.v0", (string?)resources["postgres-replica"]!["type"]);
            Assert.Equal("postgres-replica", (string?)resources["conduit-read"]!["parent"]);
            Assert.True((bool)resources["migrations"]!["runToCompletion"]!);
            Assert.Equal("Api/Api.csproj", (string?)resources["api"]!["path"]);
            Assert.Equal(2, (int)resources["api"]!["replicas"]!);
            Assert.Equal(["migrations"], resources["api"]!["waitForCompletion"]!.AsArray().Select(n => (string?)n));
            Assert.Equal("{conduit-read.connectionString}", (string?)resources["api"]!["env"]!["ConnectionStrings__conduit-read"]);
            Assert.True((bool)resources["api"]!["bindings"]!["http"]!["external"]!);
            Assert.False((bool)resources["worker"]!["bindings"]!["http"]!["external"]!);
            Assert.Equal(["api"], resources["gateway"]!["routes"]!.AsArray().Select(n => (string?)n));
        }
        finally
        {
            File.Delete(output);
        }
    }
}
