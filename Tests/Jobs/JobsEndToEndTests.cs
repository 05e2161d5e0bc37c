using System.Net;
using System.Text.Json;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Jobs;

// The whole pipeline on the shared topology: API (job + outbox in one transaction) -> relay (confirmed publish) ->
// RabbitMQ -> Worker (inbox + effect in one transaction) -> poll.
[Collection(SharedTopology.Name)]
public sealed class JobsEndToEndTests(SharedTopologyFixture fixture) : IAsyncDisposable
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);
    private readonly JobsClient _jobs = new(fixture.App.CreateHttpClient(), fixture.App.GetConnectionString("conduit"));

    public ValueTask DisposeAsync() => _jobs.DisposeAsync();

    [Fact]
    public async Task AnExportIsAcceptedAtOnceAndCompletesWithTheCallersArticlesAsJson()
    {
        var author = await _jobs.Conduit.RegisterAsync("exporter");
        var article = await _jobs.Conduit.CreateArticleAsync(author, body: "Body with \"quotes\", commas");

        using var response = await _jobs.SubmitExportAsync(author, "json");
        var accepted = (await response.ReadJsonAsync(HttpStatusCode.Accepted)).GetProperty("job");
        var id = accepted.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v2/jobs/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("queued", accepted.GetProperty("status").GetString());

        var done = await _jobs.WaitForJobAsync(author, id, "succeeded", JobTimeout);
        Assert.Equal(1, done.GetProperty("attempts").GetInt32());
        Assert.Equal($"/api/v2/jobs/{id}/result", done.GetProperty("resultUrl").GetString());
        Assert.Equal(JsonValueKind.String, done.GetProperty("completedAt").ValueKind);

        var export = await _jobs.Conduit.GetOkAsync($"/api/v2/jobs/{id}/result", author.Token);
        Assert.Equal(author.Username, export.GetProperty("username").GetString());
        var exported = Assert.Single(export.GetProperty("articles").EnumerateArray());
        Assert.Equal(article.GetProperty("slug").GetString(), exported.GetProperty("slug").GetString());
        Assert.Equal("Body with \"quotes\", commas", exported.GetProperty("body").GetString());
    }

    [Fact]
    public async Task ACsvExportQuotesEveryFieldAndDoublesQuotes()
    {
        var author = await _jobs.Conduit.RegisterAsync("csv");
        await _jobs.Conduit.CreateArticleAsync(author, title: "Csv " + Guid.NewGuid().ToString("N")[..8], tags: ["tag with space", "a,b", "café"], body: "a \"b\", c");

        var id = await _jobs.AcceptExportAsync(author, "csv");
        await _jobs.WaitForJobAsync(author, id, "succeeded", JobTimeout);

        using var result = await _jobs.Conduit.GetAsync($"/api/v2/jobs/{id}/result", author.Token);
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Equal("text/csv", result.Content.Headers.ContentType?.MediaType);
        var lines = (await result.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("slug,title,description,body,tagList,createdAt,updatedAt", lines[0]);
        Assert.Contains("\"a \"\"b\"\", c\"", lines[1], StringComparison.Ordinal);
        // Tags keep their spaces and commas: a JSON array, quoted as a CSV field.
        Assert.Contains("\"[\"\"a,b\"\",\"\"café\"\",\"\"tag with space\"\"]\"", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSameIdempotencyKeyFromTheSameUserReturnsTheSameJob()
    {
        var user = await _jobs.Conduit.RegisterAsync("idem");
        var other = await _jobs.Conduit.RegisterAsync("idem");
        var key = Guid.NewGuid().ToString();

        var first = await SubmitWithKeyAsync(user, key);
        var second = await SubmitWithKeyAsync(user, key);
        var someoneElses = await SubmitWithKeyAsync(other, key);

        Assert.Equal(first, second);
        Assert.NotEqual(first, someoneElses);
        Assert.Equal(1L, await _jobs.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE idempotency_key = $1 AND owner_id = $2", key, await _jobs.UserIdAsync(user.Username)));
    }

    [Fact]
    public async Task AnIdempotencyKeyReusedForAnotherExportIsRefusedNotReplayed()
    {
        var user = await _jobs.Conduit.RegisterAsync("idem");
        var key = Guid.NewGuid().ToString();
        var first = await SubmitWithKeyAsync(user, key);

        using var another = await _jobs.SubmitExportAsync(user, "csv", idempotencyKey: key);
        using var same = await _jobs.SubmitExportAsync(user, " JSON ", idempotencyKey: key);

        Assert.True((await another.AssertErrorsAsync(HttpStatusCode.UnprocessableEntity)).TryGetProperty("Idempotency-Key", out _));
        Assert.Equal(first, (await same.ReadJsonAsync(HttpStatusCode.Accepted)).GetProperty("job").GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task SomeoneElsesJobAndItsResultAreNotFound()
    {
        var owner = await _jobs.Conduit.RegisterAsync("owner");
        var stranger = await _jobs.Conduit.RegisterAsync("stranger");
        var id = await _jobs.AcceptExportAsync(owner);

        using var job = await _jobs.Conduit.GetAsync($"/api/v2/jobs/{id}", stranger.Token);
        await job.AssertErrorsAsync(HttpStatusCode.NotFound);
        using var result = await _jobs.Conduit.GetAsync($"/api/v2/jobs/{id}/result", stranger.Token);
        await result.AssertErrorsAsync(HttpStatusCode.NotFound);
        using var anonymous = await _jobs.Conduit.GetAsync($"/api/v2/jobs/{id}");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var badToken = await _jobs.Conduit.GetAsync($"/api/v2/jobs/{id}", "not-a-token");
        await badToken.AssertErrorsAsync(HttpStatusCode.Unauthorized);
        using var notAnId = await _jobs.Conduit.GetAsync("/api/v2/jobs/not-a-guid", owner.Token);
        await notAnId.AssertErrorsAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnUnknownFormatIsUnprocessableAndCreatesNoJob()
    {
        var user = await _jobs.Conduit.RegisterAsync("badformat");
        using var response = await _jobs.SubmitExportAsync(user, "xml");
        var errors = await response.AssertErrorsAsync(HttpStatusCode.UnprocessableEntity);
        Assert.True(errors.TryGetProperty("format", out _));
        Assert.Equal(0L, await _jobs.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE owner_id = $1", await _jobs.UserIdAsync(user.Username)));
    }

    [Fact]
    public async Task TheWorkerProcessesAJobInTheTraceOfTheRequestThatSubmittedIt()
    {
        var user = await _jobs.Conduit.RegisterAsync("traced");
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var response = await _jobs.SubmitExportAsync(user, "json", traceParent: $"00-{traceId}-{traceId[..16]}-01");
        var id = (await response.ReadJsonAsync(HttpStatusCode.Accepted)).GetProperty("job").GetProperty("id").GetGuid();

        await _jobs.WaitForJobAsync(user, id, "succeeded", JobTimeout);

        // The outbox row kept the request's traceparent, and the Worker ran under the same trace id.
        Assert.StartsWith($"00-{traceId}-", await _jobs.ScalarAsync<string>(
            "SELECT trace_parent FROM outbox_messages WHERE payload::jsonb ->> 'jobId' = $1", id.ToString()));
        Assert.Equal(traceId, await _jobs.ScalarAsync<string>("SELECT trace_id FROM jobs WHERE id = $1", id));
    }

    [Fact]
    public async Task ACommentOnMyArticleNotifiesMeButMyOwnCommentDoesNot()
    {
        var author = await _jobs.Conduit.RegisterAsync("notified");
        var reader = await _jobs.Conduit.RegisterAsync("commenter");
        var slug = (await _jobs.Conduit.CreateArticleAsync(author)).GetProperty("slug").GetString()!;

        await _jobs.Conduit.CommentAsync(author, slug, "my own note");
        var comment = await _jobs.Conduit.CommentAsync(reader, slug, "nice article");

        JsonElement notifications = default;
        await Eventually.HoldsAsync(async () =>
        {
            notifications = await _jobs.Conduit.GetOkAsync("/api/v2/notifications", author.Token);
            return notifications.GetProperty("notificationsCount").GetInt32() > 0;
        }, JobTimeout, () => "the author's notification");

        var notification = Assert.Single(notifications.GetProperty("notifications").EnumerateArray());
        Assert.Equal(reader.Username, notification.GetProperty("actor").GetString());
        Assert.Equal(slug, notification.GetProperty("articleSlug").GetString());
        Assert.Equal(comment.GetProperty("id").GetInt64(), notification.GetProperty("commentId").GetInt64());
        Assert.Equal(0, (await _jobs.Conduit.GetOkAsync("/api/v2/notifications", reader.Token)).GetProperty("notificationsCount").GetInt32());
        using var anonymous = await _jobs.Conduit.GetAsync("/api/v2/notifications");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    private async Task<Guid> SubmitWithKeyAsync(TestUser user, string key)
    {
        using var response = await _jobs.SubmitExportAsync(user, "json", idempotencyKey: key);
        return (await response.ReadJsonAsync(HttpStatusCode.Accepted)).GetProperty("job").GetProperty("id").GetGuid();
    }
}
