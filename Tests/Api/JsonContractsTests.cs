using System.Text.Json.Serialization;
using AspireScale.Api.Jobs;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AspireScale.Tests.Api;

// Every body an endpoint reads or writes is (de)serialized by source-generated code (Api/Infrastructure/ConduitJson.cs,
// Api/Jobs/JobContracts.cs), never by the reflection resolver that the options keep last in their chain for anything
// else: a context added behind it, or a type missing from every context, would silently fall back to reflection.
[Collection(SharedTopology.Name)]
public sealed class JsonContractsTests(SharedTopologyFixture topology, InProcessApi api) : IClassFixture<InProcessApi>
{
    [Fact]
    public void EveryRequestAndResponseTypeOfEveryEndpointResolvesFromASourceGeneratedContext()
    {
        var services = api.For(topology.App).Services;
        var options = services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var contracts = services.GetRequiredService<EndpointDataSource>().Endpoints
            .SelectMany(e => e.Metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.Type)
                .Concat(e.Metadata.OfType<IAcceptsMetadata>().Select(m => m.RequestType)))
            .OfType<Type>()
            .Where(t => t.Assembly == typeof(Program).Assembly)
            .Distinct()
            .ToArray();

        // The endpoints' own declarations name the jobs' and the spec's envelopes alike.
        Assert.Contains(typeof(JobEnvelope), contracts);
        Assert.Contains(typeof(NewExportEnvelope), contracts);
        Assert.True(contracts.Length >= 15, string.Join(", ", contracts.Select(t => t.Name)));
        var reflected = contracts.Where(t => options.GetTypeInfo(t).OriginatingResolver is not JsonSerializerContext).Select(t => t.Name);
        Assert.Empty(reflected);
    }
}
