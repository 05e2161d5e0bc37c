using System.Text.RegularExpressions;
using AspireScale.Api.Data;
using AspireScale.Api.Data.CompiledModel;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Scaffolding;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql.EntityFrameworkCore.PostgreSQL.Design.Internal;

namespace AspireScale.Tests.Data;

// The compiled model (Api/Data/CompiledModel) replaces model building at start-up, which saved each replica 9–14 MB of
// memory (docs/benchmarks.md). A stale one would run queries with what the configurations said when it was generated (a
// filter or a value converter silently gone), so it must be exactly what `dotnet ef dbcontext optimize` generates now;
// README, "Changing the data model", says how to regenerate it.
public sealed partial class CompiledModelTests
{
    private const string ModelFolder = "Api/Data/CompiledModel";

    [Fact]
    public void TheCompiledModelIsWhatOptimizeGeneratesFromTheEntityConfigurationsNow()
    {
        using var db = new ConduitDbContext(new DbContextOptionsBuilder<ConduitDbContext>().UseNpgsql("Host=127.0.0.1;Database=conduit").Options);
        var services = new ServiceCollection().AddEntityFrameworkDesignTimeServices();
        // What `dotnet ef` adds for the provider; the class is public but marked internal to EF tooling.
#pragma warning disable EF1001
        new NpgsqlDesignTimeServices().ConfigureDesignTimeServices(services);
#pragma warning restore EF1001
        using var provider = services.BuildServiceProvider();
        var options = new CompiledModelCodeGenerationOptions
        {
            ContextType = typeof(ConduitDbContext),
            ModelNamespace = typeof(ConduitDbContextModel).Namespace!,
            Language = "C#",
            UseNullableReferenceTypes = false,
        };

        // The design-time model is the one built from the configurations, whatever compiled model is present.
        var generated = provider.GetRequiredService<ICompiledModelCodeGeneratorSelector>().Select(options)
            .GenerateModel(db.GetService<IDesignTimeModel>().Model, options);

        var folder = Path.Combine(RepositoryRoot.Find(), ModelFolder);
        Assert.Equal(Directory.GetFiles(folder, "*.cs").Select(Path.GetFileName).Order(), generated.Select(file => file.Path).Order());
        foreach (var file in generated)
        {
            // The path rides along so that a failure names the stale file.
            Assert.Equal((file.Path, Normalized(file.Code)), (file.Path, Normalized(File.ReadAllText(Path.Combine(folder, file.Path)))));
        }
    }

    [Fact]
    public void BothOfTheApisContextsUseTheCompiledModel()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:conduit"] = "Host=127.0.0.1;Database=conduit";
        builder.Configuration["ConnectionStrings:conduit-read"] = "Host=127.0.0.1;Database=conduit";
        builder.AddConduitData();
        using var services = builder.Services.BuildServiceProvider();
        using var scope = services.CreateScope();

        Assert.Same(ConduitDbContextModel.Instance, scope.ServiceProvider.GetRequiredService<ConduitDbContext>().Model);
        Assert.Same(ConduitDbContextModel.Instance, scope.ServiceProvider.GetRequiredService<ConduitReadDbContext>().Model);
    }

    // Each generation draws a new model id; line endings and the byte-order mark depend on where the files were written.
    private static string Normalized(string code) => ModelId().Replace(code.Replace("\r\n", "\n").TrimStart('\uFEFF'), "modelId: <any>");

    [GeneratedRegex("""modelId: new Guid\("[0-9a-f-]+"\)""")]
    private static partial Regex ModelId();
}
