using System.Text.RegularExpressions;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Conformance;

// The served documents against the RealWorld spec (../shared/realworld/openapi.yml): v1 requires the Token scheme on
// exactly the operations the spec does, and v2 on every operation that refuses anonymous callers; the request bodies
// require the fields the spec's do and declare the API's limits. A generated client, and the bad-input load
// (bench/Chaos/BadInputCases.cs), learn from them which calls need a token and what each field may hold.
[Collection(SharedTopology.Name)]
public sealed partial class OpenApiDocumentTests(SharedTopologyFixture topology)
{
    [Fact]
    public async Task TheDocumentsRequireATokenWhereTheSpecAndTheEndpointsDo()
    {
        var conduit = new ConduitClient(topology.App.CreateHttpClient());
        var v1 = Secured((await conduit.GetOkAsync("/openapi/v1.json")).GetProperty("paths"));
        var spec = SecuredInSpec(await File.ReadAllLinesAsync(Path.Combine(RepositoryRoot.Find(), "..", "shared", "realworld", "openapi.yml")));

        Assert.Equal(12, spec.Count);
        Assert.Equal(spec.Order(StringComparer.Ordinal), v1.Order(StringComparer.Ordinal));

        var v2 = Secured((await conduit.GetOkAsync("/openapi/v2.json")).GetProperty("paths"));
        Assert.Equal(
            ["get /api/v2/articles/feed", "get /api/v2/jobs/{id}", "get /api/v2/jobs/{id}/result", "get /api/v2/notifications", "post /api/v2/exports"],
            v2.Order(StringComparer.Ordinal));
    }

    // Which fields a request body must have, as the spec's schemas say (a client generated from our document must not
    // demand a tagList, or every field of an update); and the limits the API enforces, declared for clients to see.
    [Fact]
    public async Task TheRequestSchemasRequireWhatTheSpecDoesAndDeclareTheLimits()
    {
        var conduit = new ConduitClient(topology.App.CreateHttpClient());
        var schemas = (await conduit.GetOkAsync("/openapi/v1.json")).GetProperty("components").GetProperty("schemas");
        string[] Required(string schema) => schemas.GetProperty(schema).TryGetProperty("required", out var required)
            ? [.. required.EnumerateArray().Select(name => name.GetString()!).Order(StringComparer.Ordinal)]
            : [];

        Assert.Equal(["body", "description", "title"], Required("NewArticle"));
        Assert.Empty(Required("UpdateArticle"));
        Assert.Empty(Required("UpdateUser"));
        Assert.Equal(["email", "password", "username"], Required("NewUser"));
        Assert.Equal(["email", "password"], Required("LoginUser"));
        Assert.Equal(["body"], Required("NewComment"));

        int Limit(string schema, string property, string keyword) =>
            schemas.GetProperty(schema).GetProperty("properties").GetProperty(property).GetProperty(keyword).GetInt32();
        Assert.Equal(256, Limit("NewArticle", "title", "maxLength"));
        Assert.Equal(65536, Limit("UpdateArticle", "body", "maxLength"));
        Assert.Equal(20, Limit("NewArticle", "tagList", "maxItems"));
        Assert.Equal(64, Limit("NewUser", "username", "maxLength"));
        Assert.Equal(2048, Limit("UpdateUser", "bio", "maxLength"));
        Assert.Equal(65536, Limit("NewComment", "body", "maxLength"));
    }

    private static List<string> Secured(System.Text.Json.JsonElement paths) =>
        [.. from path in paths.EnumerateObject()
            from operation in path.Value.EnumerateObject()
            where operation.Value.TryGetProperty("security", out var security) && security.GetArrayLength() > 0
            select $"{operation.Name} {path.Name}"];

    // "method /api/path" of each operation with a security section: paths at two spaces, methods at four, their keys at six.
    private static List<string> SecuredInSpec(string[] lines)
    {
        var secured = new List<string>();
        string? path = null, method = null;
        foreach (var line in lines)
        {
            if (PathLine().Match(line) is { Success: true } p)
            {
                path = "/api" + p.Groups[1].Value;
            }
            else if (MethodLine().Match(line) is { Success: true } m)
            {
                method = m.Groups[1].Value;
            }
            else if (line == "      security:" && path is not null && method is not null)
            {
                secured.Add($"{method} {path}");
            }
            else if (line.Length > 0 && !line.StartsWith(' '))
            {
                path = method = null;
            }
        }

        return secured;
    }

    [GeneratedRegex(@"^  (/\S*):$")]
    private static partial Regex PathLine();

    [GeneratedRegex(@"^    (get|put|post|delete|patch):$")]
    private static partial Regex MethodLine();
}
