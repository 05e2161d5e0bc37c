using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AspireScale.Bench.Chaos;

// A request body as bytes, so that it can be invalid UTF-8, with its Content-Type (none when null).
public sealed record BadBody(byte[] Bytes, string? ContentType)
{
    // Non-ASCII characters as UTF-8, the way clients send them, not as \uXXXX escapes (six bytes each, which would take a
    // huge unicode string past the balancer's body limit before the API ever saw it).
    private static readonly JsonSerializerOptions RawUnicode = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static BadBody Json(string text) => new(Encoding.UTF8.GetBytes(text), "application/json");

    public static BadBody Json(JsonNode node) => Json(node.ToJsonString(RawUnicode));

    public HttpContent ToContent()
    {
        var content = new ByteArrayContent(Bytes);
        if (ContentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        }

        return content;
    }
}

// One generated request. MustBeRejected: invalid by construction (every request to an operation that writes is), so
// anything but a 4xx is wrong; otherwise a read with odd but perhaps legal input, where only a 5xx or a badly formed
// error is.
public sealed record BadRequest(
    string Operation, string Mutation, HttpMethod Method, string Path, string? Authorization, BadBody? Body,
    IReadOnlyList<KeyValuePair<string, string>> Headers, bool MustBeRejected)
{
    // What the mutations changed, one entry each (the authorization, a parameter, the body, a field).
    public IReadOnlyList<string> Targets { get; init; } = [];
}

// What aims the requests past authentication and lookups at validation: a signed-in owner of an article with a comment
// and an export job, another user to follow; and Authorization headers that do not authenticate.
public sealed record BadInputFixtures(
    string Token, string Email, string Password, string OtherUsername, string Slug, long CommentId, Guid JobId, string RunId,
    IReadOnlyList<BadAuthorization> BadAuthorizations);

// Refused: the Token scheme with a token that fails validation. OtherScheme: no token, or another scheme. UnknownUser: a
// valid token whose user does not exist.
public enum BadAuthorizationKind { Refused, OtherScheme, UnknownUser }

public sealed record BadAuthorization(string Name, string Authorization, BadAuthorizationKind Kind);

// An operation as its OpenAPI document describes it: its parameters, the envelope and fields of its JSON body, and
// whether it requires the Token scheme.
public sealed record ApiOperation(
    string Id, HttpMethod Method, string PathTemplate, IReadOnlyList<(string Name, string In)> Parameters,
    string? Envelope, IReadOnlyList<BodyField> Fields, bool RequiresToken, bool Documents401)
{
    public bool Writes => Method != HttpMethod.Get;
}

// MaxLength: a string's maxLength or an array's maxItems.
public sealed record BodyField(string Name, string Type, bool Required, int? MinLength, int? MaxLength);

// Invalid requests generated from the OpenAPI documents: every operation with every authorization that does not
// authenticate, every path and query parameter with values of the wrong type, size and alphabet, and every body broken
// as a whole, as an envelope and field by field (missing, null, wrong type, blank, past its bounds, huge, unicode, NUL,
// with unknown fields beside); then random combinations of those until the count is reached. A request to an operation
// that writes always carries at least one mutation that makes it invalid, so none of them may be accepted.
public static class BadInputCases
{
    private static readonly string Huge = new('x', 100_000);
    // 100,000 characters (Hebrew, Chinese, a combining accent), 225 KB of UTF-8: past every field's limit, under the
    // balancer's 256 KB body limit, so the API itself must refuse it. All in the Basic Multilingual Plane: the JSON writer
    // escapes any other character (an emoji is 12 bytes), which would take it past the balancer's limit.
    private static readonly string HugeUnicode = string.Concat(Enumerable.Repeat("\u05D0\u05D1\u4E2D\u0301", 25_000));
    // Past the balancer's 256 KB limit on a request body.
    private static readonly string OverRequestLimit = new('x', 300_000);

    public static IReadOnlyList<ApiOperation> Operations(IEnumerable<JsonElement> documents) =>
    [
        .. from document in documents
        let schemas = document.GetProperty("components").GetProperty("schemas")
        from path in document.GetProperty("paths").EnumerateObject()
        from operation in path.Value.EnumerateObject()
        select Describe(path.Name, operation.Name, operation.Value, schemas),
    ];

    public static List<BadRequest> Generate(IReadOnlyList<ApiOperation> operations, BadInputFixtures fixtures, int count, int seed)
    {
        var cases = new List<BadRequest>();
        var unique = 0;
        var byOperation = operations.Select(operation => (operation, mutations: Mutations(operation, fixtures, () => unique++).ToList())).ToList();
        foreach (var (operation, mutations) in byOperation)
        {
            foreach (var mutation in mutations)
            {
                Add(operation, [mutation]);
            }
        }

        // Combinations: two or three mutations of one operation at once (a bad token and a broken body, a huge slug and
        // a missing field), until there are as many requests as asked for.
        var random = new Random(seed);
        while (cases.Count < count)
        {
            var (operation, mutations) = byOperation[random.Next(byOperation.Count)];
            Add(operation, [.. mutations.OrderBy(_ => random.Next()).DistinctBy(m => m.Target).Take(random.Next(2, 4))]);
        }

        return cases;

        void Add(ApiOperation operation, IReadOnlyList<Mutation> mutations)
        {
            var draft = mutations.Aggregate(Baseline(operation, fixtures, unique++), (current, mutation) => mutation.Apply(current));
            // A write goes out only with something that makes it invalid.
            if (!operation.Writes || draft.Invalid.Count > 0)
            {
                cases.Add(draft.ToRequest(string.Join(" + ", mutations.Select(m => m.Name))));
            }
        }
    }

    // What a request to the operation would be if it were valid: never sent as it is to an operation that writes.
    private static Draft Baseline(ApiOperation operation, BadInputFixtures fixtures, int unique)
    {
        var path = operation.PathTemplate;
        foreach (var (name, location) in operation.Parameters.Where(p => p.In == "path"))
        {
            path = path.Replace($"{{{name}}}", ValidPathValue(operation, name, fixtures), StringComparison.Ordinal);
        }

        JsonObject? fields = null;
        if (operation.Envelope is not null)
        {
            fields = [];
            foreach (var field in operation.Fields)
            {
                fields[field.Name] = ValidValue(operation, field, fixtures, unique);
            }
        }

        return new Draft(operation, path, [], $"Token {fixtures.Token}", fields, null, [], Invalid: []);
    }

    private static IEnumerable<Mutation> Mutations(ApiOperation operation, BadInputFixtures fixtures, Func<int> unique)
    {
        // Authorization headers that do not authenticate. Where the operation requires a token, a refused token or another
        // scheme makes the request invalid; a read that takes an optional token refuses a bad one (it documents a 401), but
        // may read another scheme as no token at all; registration and login do not look at it. A token whose user is gone
        // may read as that user's (nothing to see); what would write in that user's name must be refused (removing is a
        // no-op).
        foreach (var bad in fixtures.BadAuthorizations)
        {
            var invalidates = bad.Kind switch
            {
                BadAuthorizationKind.Refused => operation.RequiresToken || (!operation.Writes && operation.Documents401),
                BadAuthorizationKind.OtherScheme => operation.RequiresToken,
                _ => operation.RequiresToken && operation.Writes && operation.Method != HttpMethod.Delete,
            };
            yield return new Mutation($"authorization {bad.Name}", "authorization", draft => draft with { Authorization = bad.Authorization }, invalidates);
        }

        if (operation.RequiresToken)
        {
            yield return new Mutation("no authorization", "authorization", draft => draft with { Authorization = null }, Invalidates: true);
        }

        foreach (var (name, location) in operation.Parameters)
        {
            var values = location switch
            {
                "path" => PathValues(),
                "query" => QueryValues(),
                _ => HeaderValues(),
            };
            foreach (var (label, value) in values)
            {
                yield return location switch
                {
                    // A path value that names nothing: a 404 (or a 400 for what Kestrel will not decode) on every operation.
                    "path" => new Mutation($"path {name} {label}", $"path {name}",
                        draft => draft with { Path = ReplaceSegment(draft.Path, operation.PathTemplate, name, value) }, Invalidates: true),
                    // Odd queries may be legal (a tag nobody uses): they make nothing invalid on their own.
                    "query" => new Mutation($"query {name} {label}", $"query {name}", draft => draft with { Query = [.. draft.Query, $"{name}={value}"] }, Invalidates: false),
                    _ => new Mutation($"header {name} {label}", $"header {name}", draft => draft with { Headers = [.. draft.Headers, new(name, value)] },
                        Invalidates: value.Length > 200),
                };
            }

            if (location == "query")
            {
                yield return new Mutation($"query {name} repeated", $"query {name}", draft => draft with { Query = [.. draft.Query, $"{name}=a", $"{name}=b"] }, Invalidates: false);
            }
        }

        if (operation.Envelope is null)
        {
            yield break;
        }

        foreach (var (label, body) in BrokenBodies())
        {
            yield return new Mutation($"body {label}", "body", draft => draft with { Raw = body, BodyReplaced = true }, Invalidates: true);
        }

        foreach (var (label, json) in new[] { ("null", "null"), ("a string", "\"text\""), ("a number", "42"), ("an array", "[]"), ("an array of objects", "[{}]"), ("false", "false") })
        {
            yield return new Mutation($"envelope is {label}", "body", draft => draft with { Raw = BadBody.Json($"{{\"{operation.Envelope}\":{json}}}"), BodyReplaced = true }, Invalidates: true);
        }

        yield return new Mutation("fields without the envelope", "body", draft => draft with { Raw = BadBody.Json(draft.Fields!), BodyReplaced = true }, Invalidates: true);
        yield return new Mutation("the wrong envelope", "body", draft => draft with { Raw = BadBody.Json(new JsonObject { ["wrong"] = draft.Fields!.DeepClone() }), BodyReplaced = true }, Invalidates: true);

        foreach (var field in operation.Fields)
        {
            foreach (var (label, value, invalidates) in FieldValues(field))
            {
                yield return new Mutation($"{field.Name} {label}", $"field {field.Name}", draft => draft.SetField(field.Name, value), invalidates);
                if (invalidates)
                {
                    // The same with fields the schema does not have beside it: ignored or refused, never a way past validation.
                    yield return new Mutation($"{field.Name} {label} + unknown fields", $"field {field.Name}", draft => draft.SetField(field.Name, value)
                        .SetField("unknownField", JsonValue.Create("x")).SetField("__proto__", new JsonObject { ["admin"] = true }), invalidates);
                }
            }
        }

        if (operation.Fields.Any(field => field.Name == "email"))
        {
            foreach (var email in new[] { "not-an-email", "a@", "@b.example", "a b@c.example", "a@b@c.example" })
            {
                yield return new Mutation($"email '{email}'", "field email", draft => draft.SetField("email", JsonValue.Create(email)), Invalidates: true);
            }
        }

        if (operation.Id == "Login")
        {
            yield return new Mutation("wrong password", "field password", draft => draft.SetField("password", JsonValue.Create("wrong-password-" + unique())), Invalidates: true);
            yield return new Mutation("unknown email", "field email", draft => draft.SetField("email", JsonValue.Create($"nobody-{unique()}@fuzz.example")), Invalidates: true);
        }
    }

    // Values for one body field, each with whether it alone makes the request invalid.
    private static IEnumerable<(string Label, JsonNode? Value, bool Invalidates)> FieldValues(BodyField field)
    {
        if (field.Required)
        {
            yield return ("missing", Missing, true);
            yield return ("null", null, true);
        }

        yield return ("a number", JsonValue.Create(123), true);
        yield return ("a boolean", JsonValue.Create(true), true);
        yield return ("an object", new JsonObject { ["a"] = 1 }, true);
        if (field.Type == "array")
        {
            yield return ("a string", JsonValue.Create("dragons"), true);
            yield return ("numbers", new JsonArray(1, 2), true);
            yield return ("a null item", new JsonArray("ok", null), true);
            yield return ("nested arrays", new JsonArray(new JsonArray("a")), true);
            yield return ("a 100 KB item", new JsonArray(Huge), true);
            yield return ("ten thousand items", new JsonArray([.. Enumerable.Range(0, 10_000).Select(i => JsonValue.Create($"t{i}"))]), true);
            if (field.MaxLength is int maxItems)
            {
                yield return ($"{maxItems + 1} items (maxItems {maxItems})", new JsonArray([.. Enumerable.Range(0, maxItems + 1).Select(i => JsonValue.Create($"t{i}"))]), true);
            }

            yield break;
        }

        yield return ("an array", new JsonArray("a"), true);
        yield return ("100 KB", JsonValue.Create(Huge), true);
        yield return ("100 K unicode characters", JsonValue.Create(HugeUnicode), true);
        // PostgreSQL cannot store a NUL in text: refused, not a 500 from the database.
        yield return ("with a NUL", JsonValue.Create("a\0b"), true);
        if (field.Required)
        {
            yield return ("empty", JsonValue.Create(""), true);
            yield return ("blank", JsonValue.Create(" \t\n "), true);
        }

        if (field.MinLength is int min && min > 1)
        {
            yield return ($"{min - 1} characters (minLength {min})", JsonValue.Create(new string('p', min - 1)), true);
        }

        if (field.MaxLength is int max)
        {
            yield return ($"{max + 1} characters (maxLength {max})", JsonValue.Create(new string('p', max + 1)), true);
        }

        // Legal strings in an odd alphabet: not invalid on their own, so only ever sent beside something that is.
        yield return ("unicode", JsonValue.Create("\U0001F409 \u05D0\u05D1 \u0645\u0631\u062D\u0628\u0627 e\u0301 \u200B"), false);
    }

    private static IEnumerable<(string Label, BadBody? Body)> BrokenBodies()
    {
        yield return ("none", null);
        yield return ("empty", BadBody.Json(""));
        yield return ("whitespace", BadBody.Json("   \n "));
        yield return ("truncated", BadBody.Json("{"));
        yield return ("truncated envelope", BadBody.Json("{\"x\":"));
        yield return ("not JSON", BadBody.Json("not json at all"));
        yield return ("JSON null", BadBody.Json("null"));
        yield return ("a JSON array", BadBody.Json("[]"));
        yield return ("a JSON number", BadBody.Json("123"));
        yield return ("a JSON string", BadBody.Json("\"hello\""));
        yield return ("an empty object", BadBody.Json("{}"));
        yield return ("single quotes", BadBody.Json("{'a':'b'}"));
        yield return ("trailing garbage", BadBody.Json("{\"a\":1} trailing"));
        yield return ("a comment", BadBody.Json("{/* c */}"));
        yield return ("a lone surrogate", BadBody.Json("{\"a\":\"\\ud800\"}"));
        yield return ("5000 levels deep", BadBody.Json(new string('[', 5000) + new string(']', 5000)));
        yield return ("invalid UTF-8", new BadBody([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0xFF, 0xFE, 0x7D], "application/json"));
        yield return ("UTF-16", new BadBody(Encoding.Unicode.GetBytes("{\"a\":1}"), "application/json; charset=utf-16"));
        yield return ("text/plain", new BadBody(Encoding.UTF8.GetBytes("{}"), "text/plain"));
        yield return ("application/xml", new BadBody(Encoding.UTF8.GetBytes("<user><email>a</email></user>"), "application/xml"));
        yield return ("form encoded", new BadBody(Encoding.UTF8.GetBytes("title=t&body=b"), "application/x-www-form-urlencoded"));
        yield return ("multipart", new BadBody(Encoding.UTF8.GetBytes("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--\r\n"), "multipart/form-data; boundary=b"));
        yield return ("no content type", new BadBody(Encoding.UTF8.GetBytes("{}"), null));
        yield return ("a 100 KB JSON string", BadBody.Json(JsonSerializer.Serialize(Huge)));
        yield return ("over the size limit", BadBody.Json($"{{\"x\":\"{OverRequestLimit}\"}}"));
    }

    private static IEnumerable<(string Label, string Value)> PathValues() =>
    [
        ("that names nothing", "nothing-here-4f1d9c"),
        ("huge", new string('z', 6000)),
        ("NUL", "%00"),
        ("an encoded slash", "a%2Fb"),
        // Not "..": a client resolves dot segments, so /comments/.. would be a request to the article itself.
        ("dots", "..."),
        ("unicode", "%F0%9F%90%89%D7%90"),
        // Sent as %25zz: HttpClient escapes a stray percent sign, so the server sees a literal "%zz", not a broken escape.
        ("a literal %zz", "%zz"),
        ("quotes", "%27%22%3B"),
        ("-1", "-1"),
        ("0", "0"),
        ("1.5", "1.5"),
        ("past a long", "99999999999999999999"),
        ("the largest long", "9223372036854775807"),
        ("not a guid", "0000-not-a-guid"),
    ];

    private static IEnumerable<(string Label, string Value)> QueryValues() =>
    [
        ("-1", "-1"), ("0", "0"), ("abc", "abc"), ("1.5", "1.5"), ("1e3", "1e3"), ("0x10", "0x10"),
        ("past a long", "99999999999999999999"), ("-2147483649", "-2147483649"), ("the largest int", "2147483647"),
        ("huge", new string('y', 6000)), ("NUL", "%00"), ("a literal %zz", "%zz"), ("unicode", "%F0%9F%90%89"),
        ("empty", ""), ("quotes", "%27%22"), ("SQL", "1%3BDROP%20TABLE%20users"), ("base64 garbage", "eyJ4IjoxfQ"),
    ];

    // Header values HttpClient sends as they are (ASCII). Only those past every header limit the API sets (an Idempotency-Key
    // is at most 200 characters) make a request invalid alone: an empty or blank one may be read as absent.
    private static IEnumerable<(string Label, string Value)> HeaderValues() =>
        [("empty", ""), ("huge", new string('k', 5000)), ("spaces", "   "), ("201 characters", new string('k', 201))];

    private static string ValidPathValue(ApiOperation operation, string name, BadInputFixtures fixtures) => name switch
    {
        "slug" => fixtures.Slug,
        "username" => fixtures.OtherUsername,
        "id" when operation.PathTemplate.Contains("/comments/", StringComparison.Ordinal) => fixtures.CommentId.ToString(CultureInfo.InvariantCulture),
        "id" => fixtures.JobId.ToString(),
        _ => "x",
    };

    private static JsonNode? ValidValue(ApiOperation operation, BodyField field, BadInputFixtures fixtures, int unique) => (operation.Id, field.Name) switch
    {
        ("Login", "email") => fixtures.Email,
        ("Login", "password") => fixtures.Password,
        (_, "email") => $"{fixtures.RunId}-{unique}@fuzz.example",
        (_, "password") => "password123",
        (_, "username") => $"{fixtures.RunId}-{unique}",
        (_, "format") => "json",
        (_, "image") => "https://fuzz.example/i.png",
        _ when field.Type == "array" => new JsonArray("fuzz"),
        _ => $"{fixtures.RunId} {field.Name} {unique}",
    };

    private static string ReplaceSegment(string path, string template, string parameter, string value)
    {
        var index = template.Split('/').ToList().IndexOf($"{{{parameter}}}");
        var segments = path.Split('/');
        segments[index] = value;
        return string.Join('/', segments);
    }

    private static ApiOperation Describe(string path, string method, JsonElement operation, JsonElement schemas)
    {
        var parameters = operation.TryGetProperty("parameters", out var list)
            ? list.EnumerateArray().Select(p => (p.GetProperty("name").GetString()!, p.GetProperty("in").GetString()!)).ToList()
            : [];
        string? envelope = null;
        List<BodyField> fields = [];
        if (operation.TryGetProperty("requestBody", out var body))
        {
            var outer = Resolve(body.GetProperty("content").GetProperty("application/json").GetProperty("schema"), schemas);
            var property = outer.GetProperty("properties").EnumerateObject().Single();
            envelope = property.Name;
            var inner = Resolve(property.Value, schemas);
            var required = inner.TryGetProperty("required", out var names) ? names.EnumerateArray().Select(n => n.GetString()).ToHashSet() : [];
            fields = [.. inner.GetProperty("properties").EnumerateObject().Select(p => new BodyField(
                p.Name, TypeOf(p.Value), required.Contains(p.Name),
                p.Value.TryGetProperty("minLength", out var min) ? min.GetInt32() : null,
                p.Value.TryGetProperty("maxLength", out var max) || p.Value.TryGetProperty("maxItems", out max) ? max.GetInt32() : null))];
        }

        return new ApiOperation(
            operation.GetProperty("operationId").GetString()!, new HttpMethod(method.ToUpperInvariant()), path, parameters, envelope, fields,
            operation.TryGetProperty("security", out var security) && security.GetArrayLength() > 0,
            operation.GetProperty("responses").TryGetProperty("401", out _));
    }

    // A schema, its $ref followed, or the non-null branch of a oneOf [null, $ref].
    private static JsonElement Resolve(JsonElement schema, JsonElement schemas)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            return schemas.GetProperty(reference.GetString()!.Split('/')[^1]);
        }

        return schema.TryGetProperty("oneOf", out var branches)
            ? Resolve(branches.EnumerateArray().First(b => b.TryGetProperty("$ref", out _)), schemas)
            : schema;
    }

    private static string TypeOf(JsonElement schema) => schema.TryGetProperty("type", out var type)
        ? type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).First(t => t != "null") : type.GetString()!
        : "object";

    // Marks a field to remove rather than set.
    private static readonly JsonNode Missing = JsonValue.Create("\u0001missing\u0001");

    // Target: what the mutation changes (the authorization, one parameter, the body, one field); a combination changes
    // each target once, so that no mutation undoes another (a field made too long, then set to a short unicode string).
    private sealed record Mutation(string Name, string Target, Func<Draft, Draft> Change, bool Invalidates)
    {
        public Draft Apply(Draft draft)
        {
            var changed = Change(draft);
            return changed with { Invalid = Invalidates ? [.. changed.Invalid, Name] : changed.Invalid, Targets = [.. changed.Targets, Target] };
        }
    }

    // A request being built. With BodyReplaced, Raw (perhaps none) is sent instead of the JSON body made from Fields.
    // Invalid: the mutations applied that make it invalid on their own.
    private sealed record Draft(
        ApiOperation Operation, string Path, IReadOnlyList<string> Query, string? Authorization, JsonObject? Fields, BadBody? Raw,
        IReadOnlyList<KeyValuePair<string, string>> Headers, IReadOnlyList<string> Invalid)
    {
        public IReadOnlyList<string> Targets { get; init; } = [];

        public bool BodyReplaced { get; init; }

        public Draft SetField(string name, JsonNode? value)
        {
            if (Fields is null)
            {
                return this;
            }

            var fields = (JsonObject)Fields.DeepClone();
            if (ReferenceEquals(value, Missing))
            {
                fields.Remove(name);
            }
            else
            {
                fields[name] = value?.DeepClone();
            }

            return this with { Fields = fields };
        }

        public BadRequest ToRequest(string mutation)
        {
            var body = BodyReplaced || Fields is null ? Raw : BadBody.Json(new JsonObject { [Operation.Envelope!] = Fields.DeepClone() });
            var path = Query.Count == 0 ? Path : $"{Path}?{string.Join('&', Query)}";
            return new BadRequest(Operation.Id, mutation, Operation.Method, path, Authorization, body, Headers, MustBeRejected: Invalid.Count > 0)
            {
                Targets = Targets,
            };
        }
    }
}
