extern alias chaos;
using System.Text.Json;
using chaos::AspireScale.Bench.Chaos;

namespace AspireScale.Tests.Chaos;

// The bad-input generator and judge (bench/Chaos/BadInputCases.cs, BadInputJudge.cs) on a small OpenAPI document of the
// served shape: what they make of it and how they rule. The run against the real API is BadInputRunTests.
public sealed class BadInputCasesTests
{
    private const string Document = """
        {
          "paths": {
            "/api/users": { "post": { "operationId": "CreateUser", "responses": { "201": {}, "422": {} },
              "requestBody": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/NewUserEnvelope" } } } } } },
            "/api/articles/{slug}": {
              "get": { "operationId": "GetArticle", "responses": { "200": {}, "401": {}, "404": {} },
                "parameters": [ { "name": "slug", "in": "path" }, { "name": "fields", "in": "query" } ] },
              "put": { "operationId": "UpdateArticle", "security": [ { "Token": [] } ], "responses": { "200": {}, "401": {}, "422": {} },
                "parameters": [ { "name": "slug", "in": "path" } ],
                "requestBody": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/UpdateArticleEnvelope" } } } } } },
            "/api/tags": { "get": { "operationId": "GetTags", "responses": { "200": {} } } }
          },
          "components": { "schemas": {
            "NewUserEnvelope": { "type": "object", "properties": { "user": { "oneOf": [ { "type": "null" }, { "$ref": "#/components/schemas/NewUser" } ] } } },
            "NewUser": { "type": "object", "required": [ "username", "email", "password" ], "properties": {
              "username": { "type": [ "null", "string" ] }, "email": { "type": [ "null", "string" ] },
              "password": { "type": [ "null", "string" ], "minLength": 8, "maxLength": 256 } } },
            "UpdateArticleEnvelope": { "type": "object", "properties": { "article": { "$ref": "#/components/schemas/UpdateArticle" } } },
            "UpdateArticle": { "type": "object", "properties": { "title": { "type": [ "null", "string" ] }, "tagList": { "type": [ "null", "array" ] } } }
          } }
        }
        """;

    private static readonly BadInputFixtures Fixtures = new(
        "header.payload.signature", "owner@fuzz.example", "password123", "other", "the-slug", 7, Guid.NewGuid(), "run1",
        [new BadAuthorization("garbage", "Token abc", BadAuthorizationKind.Refused), new BadAuthorization("basic", "Basic x", BadAuthorizationKind.OtherScheme),
         new BadAuthorization("gone", "Token gone", BadAuthorizationKind.UnknownUser)]);

    private static IReadOnlyList<ApiOperation> Operations() =>
        BadInputCases.Operations([JsonDocument.Parse(Document).RootElement]);

    [Fact]
    public void TheDocumentIsReadIntoOperationsWithTheirBodyFieldsAndTokenRequirement()
    {
        var operations = Operations().ToDictionary(operation => operation.Id);

        Assert.Equal(["CreateUser", "GetArticle", "GetTags", "UpdateArticle"], operations.Keys.Order(StringComparer.Ordinal));
        var createUser = operations["CreateUser"];
        Assert.Equal("user", createUser.Envelope);
        Assert.False(createUser.RequiresToken);
        var password = Assert.Single(createUser.Fields, field => field.Name == "password");
        Assert.Equal(new BodyField("password", "string", Required: true, MinLength: 8, MaxLength: 256), password);
        Assert.True(operations["UpdateArticle"].RequiresToken);
        Assert.Equal("array", Assert.Single(operations["UpdateArticle"].Fields, field => field.Name == "tagList").Type);
        Assert.All(operations["UpdateArticle"].Fields, field => Assert.False(field.Required));
        Assert.True(operations["GetArticle"].Documents401);
        Assert.False(operations["GetTags"].Documents401);
    }

    [Fact]
    public void EveryWriteIsMadeInvalidAndEveryOperationIsCoveredUpToTheCount()
    {
        var cases = BadInputCases.Generate(Operations(), Fixtures, count: 3000, seed: 1);

        Assert.Equal(3000, cases.Count);
        Assert.Equal(["CreateUser", "GetArticle", "GetTags", "UpdateArticle"], cases.Select(c => c.Operation).Distinct().Order(StringComparer.Ordinal));
        Assert.All(cases.Where(c => c.Method != HttpMethod.Get), c => Assert.True(c.MustBeRejected, $"{c.Operation} {c.Mutation} could be accepted"));
        // An optional field set to null is legal, so it is no mutation of its own; a required one missing or null is.
        Assert.DoesNotContain(cases, c => c.Operation == "UpdateArticle" && c.Mutation == "title null");
        Assert.Contains(cases, c => c.Operation == "CreateUser" && c.Mutation == "password missing" && c.MustBeRejected);
        Assert.Contains(cases, c => c.Operation == "CreateUser" && c.Mutation == "password 7 characters (minLength 8)");
        Assert.Contains(cases, c => c.Operation == "CreateUser" && c.Mutation == "password 257 characters (maxLength 256)");
        // Registration does not look at tokens: a bad one only ever goes with something else that is wrong.
        Assert.DoesNotContain(cases, c => c.Operation == "CreateUser" && c.Mutation == "authorization garbage");
        Assert.Contains(cases, c => c.Operation == "UpdateArticle" && c.Mutation == "authorization basic" && c.MustBeRejected);
        Assert.Contains(cases, c => c.Operation == "UpdateArticle" && c.Mutation == "no authorization" && c.Authorization is null);
        // A refused token on a read that documents a 401 must be refused; another scheme may read as anonymous.
        Assert.True(cases.First(c => c.Operation == "GetArticle" && c.Mutation == "authorization garbage").MustBeRejected);
        Assert.False(cases.First(c => c.Operation == "GetArticle" && c.Mutation == "authorization basic").MustBeRejected);
        Assert.False(cases.First(c => c.Operation == "GetTags" && c.Mutation == "authorization garbage").MustBeRejected);
        // A valid token whose user is gone: nothing to refuse on a read, everything on a write in that user's name.
        Assert.False(cases.First(c => c.Operation == "GetArticle" && c.Mutation == "authorization gone").MustBeRejected);
        Assert.True(cases.First(c => c.Operation == "UpdateArticle" && c.Mutation == "authorization gone").MustBeRejected);
        // Past the single mutations come combinations, each changing a thing once: no field set twice, no authorization
        // replaced by another.
        var singles = BadInputCases.Generate(Operations(), Fixtures, count: 0, seed: 1).Select(c => c.Mutation).ToHashSet();
        Assert.Contains(cases, c => !singles.Contains(c.Mutation) && c.Targets.Count >= 2);
        Assert.All(cases, c => Assert.Equal(c.Targets.Count, c.Targets.Distinct().Count()));
    }

    [Fact]
    public void MutationsChangeOnlyWhatTheySay()
    {
        var cases = BadInputCases.Generate(Operations(), Fixtures, count: 0, seed: 1);

        var missing = cases.Single(c => c.Operation == "CreateUser" && c.Mutation == "email missing");
        var user = JsonDocument.Parse(missing.Body!.Bytes).RootElement.GetProperty("user");
        Assert.False(user.TryGetProperty("email", out _));
        Assert.Equal("password123", user.GetProperty("password").GetString());
        Assert.Equal("application/json", missing.Body.ContentType);

        Assert.Null(cases.Single(c => c.Operation == "CreateUser" && c.Mutation == "body none").Body);
        var text = cases.Single(c => c.Operation == "CreateUser" && c.Mutation == "body text/plain").Body!;
        Assert.Equal(("{}", "text/plain"), (System.Text.Encoding.UTF8.GetString(text.Bytes), text.ContentType));

        var slug = cases.Single(c => c.Operation == "UpdateArticle" && c.Mutation == "path slug dots");
        Assert.Equal("/api/articles/...", slug.Path);
        Assert.Equal("Token header.payload.signature", slug.Authorization);

        var query = cases.Single(c => c.Operation == "GetArticle" && c.Mutation == "query fields abc");
        Assert.Equal("/api/articles/the-slug?fields=abc", query.Path);
        Assert.False(query.MustBeRejected);

        var unknown = cases.Single(c => c.Operation == "UpdateArticle" && c.Mutation == "title a number + unknown fields");
        var article = JsonDocument.Parse(unknown.Body!.Bytes).RootElement.GetProperty("article");
        Assert.Equal(123, article.GetProperty("title").GetInt32());
        Assert.Equal("x", article.GetProperty("unknownField").GetString());
    }

    [Fact]
    public void TheSameSeedGivesTheSameRequests()
    {
        static string Describe(IEnumerable<BadRequest> cases) => string.Join('\n', cases.Select(c => $"{c.Method} {c.Path} {c.Mutation}"));

        // Unique names come from a counter, so the two lists are equal request for request.
        Assert.Equal(
            Describe(BadInputCases.Generate(Operations(), Fixtures, 500, seed: 5)),
            Describe(BadInputCases.Generate(Operations(), Fixtures, 500, seed: 5)));
    }

    [Theory]
    [InlineData(500, "application/json", "{\"errors\":{\"body\":[\"x\"]}}", true, true, BadInputJudge.Kind.ServerError)]
    [InlineData(200, "application/json", "{}", true, false, BadInputJudge.Kind.Accepted)]
    [InlineData(422, "application/problem+json", "{\"title\":\"x\"}", true, false, BadInputJudge.Kind.BadlyFormed)]
    [InlineData(422, "application/json", "{\"errors\":{}}", true, false, BadInputJudge.Kind.BadlyFormed)]
    [InlineData(422, "application/json", "{\"errors\":{\"body\":\"not a list\"}}", true, false, BadInputJudge.Kind.BadlyFormed)]
    [InlineData(400, "application/json", "not json", true, false, BadInputJudge.Kind.BadlyFormed)]
    [InlineData(429, "application/json", "{\"errors\":{\"rate\":[\"x\"]}}", true, false, BadInputJudge.Kind.BadlyFormed)]
    public void TheJudgeRefusesWrongAnswers(int status, string mediaType, string body, bool mustBeRejected, bool retryAfter, BadInputJudge.Kind kind)
    {
        var request = Request(mustBeRejected);

        Assert.Equal(kind, BadInputJudge.Judge(request, status, mediaType, body, retryAfter)?.Kind);
    }

    [Theory]
    [InlineData(200, "application/json", "{\"articles\":[]}", false, false)]
    [InlineData(422, "application/json", "{\"errors\":{\"body\":[\"can't be blank\"]}}", true, false)]
    [InlineData(413, null, "", true, false)]
    [InlineData(429, "application/json", "{\"errors\":{\"rate\":[\"too many\"]}}", true, true)]
    public void TheJudgeAcceptsRightAnswers(int status, string? mediaType, string body, bool mustBeRejected, bool retryAfter) =>
        Assert.Null(BadInputJudge.Judge(Request(mustBeRejected), status, mediaType, body, retryAfter));

    [Fact]
    public void OnlyAnUploadPastTheBodyLimitMayLoseItsConnection()
    {
        Assert.Null(BadInputJudge.TransportError(Request(true) with { Body = new BadBody(new byte[300 * 1024], "application/json") }, "reset"));
        Assert.Equal(BadInputJudge.Kind.Transport, BadInputJudge.TransportError(Request(true), "reset")?.Kind);
    }

    private static BadRequest Request(bool mustBeRejected) =>
        new("Op", "m", HttpMethod.Post, "/api/x", null, BadBody.Json("{}"), [], mustBeRejected);
}
