using AspireScale.Api.Data;
using AspireScale.Api.Data.CompiledModel;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AspireScale.Tests.Data;

// The compiled model (Api/Data/CompiledModel) replaces model building at start-up, which saved each replica 12–13 MB of
// JIT code and heap (docs/benchmarks.md). It must say exactly what the entity configurations say. After changing them
// (README, "Changing the data model"):
//   dotnet ef dbcontext optimize --project Api --context ConduitDbContext --output-dir Data/CompiledModel --namespace AspireScale.Api.Data.CompiledModel
public sealed class CompiledModelTests
{
    [Fact]
    public void TheCompiledModelIsTheOneTheEntityConfigurationsBuild()
    {
        using var compiled = new ConduitDbContext(Options<ConduitDbContext>());
        using var built = new ModelBuiltContext(Options<ModelBuiltContext>());

        Assert.Same(ConduitDbContextModel.Instance, compiled.Model);
        Assert.NotSame(ConduitDbContextModel.Instance, built.Model);
        // A compiled model keeps only what runs queries and saves, not what only migrations read (a GIN index's method),
        // so the entity model is compared without annotations and the tables, columns and indexes through the relational
        // model, where column names, types and lengths are.
        Assert.Equal(Describe(built.Model), Describe(compiled.Model));
        Assert.Equal(Describe(built.Model.GetRelationalModel()), Describe(compiled.Model.GetRelationalModel()));
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

    private static string Describe(IModel model) =>
        model.ToDebugString(MetadataDebugStringOptions.LongDefault & ~MetadataDebugStringOptions.IncludeAnnotations);

    private static string Describe(IRelationalModel model) => model.ToDebugString(MetadataDebugStringOptions.LongDefault);

    private static DbContextOptions<TContext> Options<TContext>() where TContext : DbContext =>
        new DbContextOptionsBuilder<TContext>().UseNpgsql("Host=127.0.0.1;Database=conduit").Options;

    // A context type of its own has no compiled model registered, so EF builds its model from the configurations.
    private sealed class ModelBuiltContext(DbContextOptions<ModelBuiltContext> options) : ConduitDbContext(options);
}
