using System.Security.Claims;
using AspireScale.Api.Auth;
using AspireScale.Api.Data;
using AspireScale.Api.Infrastructure;
using AspireScale.Api.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace AspireScale.Api.Jobs;

// Asynchronous work, outside the spec's routes: accept at once (202 + Location), let the Worker run it, let the client poll.
// The job row and its outbox message are one statement, i.e. one transaction: an accepted job is never lost and a job
// that was not committed is never published. Jobs are read from the primary: their status changes under the reader.
public static class JobsApi
{
    private const string IdempotencyKeyHeader = "Idempotency-Key";

    public static RouteGroupBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v2").WithTags("Jobs").RejectInvalidTokens().RequireAuthorization();

        // One route, two bindings: see TestFaults for why the test-only one is chosen here, once, at start-up.
        var exports = TestFaults.Allowed(app.ServiceProvider.GetRequiredService<IConfiguration>())
            ? api.MapPost("/exports", CreateExportWithTestFault)
            : api.MapPost("/exports", CreateExport);
        exports.WithName("CreateExport");
        api.MapGet("/jobs/{id}", GetJob).WithName("GetJob").DescribesNotFound("job", "id among yours");
        api.MapGet("/jobs/{id}/result", GetJobResult).WithName("GetJobResult").DescribesNotFound("job", "id among yours");

        return api;
    }

    public static string JobPath(Guid id) => $"/api/v2/jobs/{id}";

    public static string ResultPath(Guid id) => $"/api/v2/jobs/{id}/result";

    public static Task<Results<Accepted<JobEnvelope>, UnprocessableEntity<ErrorEnvelope>>> CreateExport(
        NewExportEnvelope request, [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey, [AsParameters] JobServices services,
        CancellationToken cancellationToken) =>
        SubmitExportAsync(request.Export?.Format, testFault: null, idempotencyKey, services, cancellationToken);

    // Mapped instead of CreateExport only when Jobs:AllowTestFaults is on (TestFaults).
    public static Task<Results<Accepted<JobEnvelope>, UnprocessableEntity<ErrorEnvelope>>> CreateExportWithTestFault(
        TestExportEnvelope request, [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey, [AsParameters] JobServices services,
        CancellationToken cancellationToken) =>
        SubmitExportAsync(request.Export?.Format, request.Export?.TestFault, idempotencyKey, services, cancellationToken);

    private static async Task<Results<Accepted<JobEnvelope>, UnprocessableEntity<ErrorEnvelope>>> SubmitExportAsync(
        string? requestedFormat, TestFault? testFault, string? idempotencyKey, JobServices services, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var format = requestedFormat?.Trim().ToLowerInvariant();
        if (format is not (ExportFormats.Json or ExportFormats.Csv))
        {
            errors.Add("format", "must be json or csv");
        }

        if (idempotencyKey is not null && (idempotencyKey.Length == 0 || idempotencyKey.Length > Limits.IdempotencyKey))
        {
            errors.Add(IdempotencyKeyHeader, $"must be 1 to {Limits.IdempotencyKey} characters");
        }

        if (testFault is { } fault && (fault.DelayMs is < 0 or > TestFaults.MaxDelayMs || fault.FailAttempts is < 0 or > TestFaults.MaxFailAttempts))
        {
            errors.Add("testFault", $"delayMs must be 0..{TestFaults.MaxDelayMs} and failAttempts 0..{TestFaults.MaxFailAttempts}");
        }

        if (errors.Any)
        {
            return ApiErrors.Invalid(errors);
        }

        var me = services.User.RequiredId();
        if (idempotencyKey is not null && await FindByKeyAsync(services.Db, me, idempotencyKey, cancellationToken) is { } existing)
        {
            return Replay(existing, format!);
        }

        var now = services.Time.UtcNowMicroseconds();
        var job = new Job
        {
            Id = Guid.CreateVersion7(),
            OwnerId = me,
            Kind = JobKinds.Export,
            Status = JobStatus.Queued,
            Format = format!,
            IdempotencyKey = idempotencyKey,
            CreatedAt = now,
        };
        // The job and its outbox row in one statement, so one round trip and no explicit transaction (BEGIN, then COMMIT
        // on a second round trip, as SaveChanges does): a statement is atomic on its own. The fault, if any, rides in the
        // message rather than on the job: the jobs table has no test-only columns.
        var message = Outbox.Message(MessageTypes.ExportRequested, new ExportRequested(job.Id, testFault), MessagingJsonContext.Default.ExportRequested, now);
        try
        {
            await services.Db.Database.ExecuteSqlAsync($"""
                WITH job AS (
                    INSERT INTO jobs (id, owner_id, kind, status, format, idempotency_key, attempts, created_at)
                    VALUES ({job.Id}, {job.OwnerId}, {job.Kind}, {job.Status}, {job.Format}, {job.IdempotencyKey}, 0, {now}))
                INSERT INTO outbox_messages (message_id, type, payload, trace_parent, created_at)
                VALUES ({message.MessageId}, {message.Type}, {message.Payload}, {message.TraceParent}, {now})
                """, cancellationToken);
        }
        catch (Exception exception) when (exception.UniqueViolation() == ConstraintNames.JobsIdempotencyKey)
        {
            // A concurrent request with the same key won; answer with its job.
            return Replay((await FindByKeyAsync(services.Db, me, idempotencyKey!, cancellationToken))!, format!);
        }

        services.Outbox.Wake();
        return Accepted(job);
    }

    public static async Task<Results<Ok<JobEnvelope>, NotFound<ErrorEnvelope>>> GetJob(
        string id, [AsParameters] JobServices services, CancellationToken cancellationToken)
    {
        var job = await FindOwnAsync(services, id, cancellationToken);
        return job is null ? ApiErrors.NotFound("job") : TypedResults.Ok(new JobEnvelope(JobView.From(job)));
    }

    public static async Task<Results<ContentHttpResult, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>>> GetJobResult(
        string id, [AsParameters] JobServices services, CancellationToken cancellationToken)
    {
        var job = await FindOwnAsync(services, id, cancellationToken);
        if (job is null)
        {
            return ApiErrors.NotFound("job");
        }

        return job is { Status: JobStatus.Succeeded, Result: { } result }
            ? TypedResults.Text(result, job.ResultContentType)
            : TypedResults.Conflict(ErrorEnvelope.Of("job", $"is {job.Status}, it has no result"));
    }

    // The job a key already stands for, if this request asks for the same export; a key reused for another one is the
    // client's error (422, as the IETF Idempotency-Key draft has it), not a replay that would hide the second request.
    // A test fault is not compared: the replay answers with the job made the first time, with that request's fault.
    private static Results<Accepted<JobEnvelope>, UnprocessableEntity<ErrorEnvelope>> Replay(Job existing, string format) =>
        existing.Format == format
            ? Accepted(existing)
            : ApiErrors.Invalid(IdempotencyKeyHeader, "was already used for a different export");

    private static Accepted<JobEnvelope> Accepted(Job job) => TypedResults.Accepted(JobPath(job.Id), new JobEnvelope(JobView.From(job)));

    // Someone else's job is a 404, as if it did not exist: the owner check is part of the query.
    private static Task<Job?> FindOwnAsync(JobServices services, string id, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var jobId))
        {
            return Task.FromResult<Job?>(null);
        }

        var me = services.User.RequiredId();
        return services.Db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId && j.OwnerId == me, cancellationToken);
    }

    private static Task<Job?> FindByKeyAsync(ConduitDbContext db, long owner, string key, CancellationToken cancellationToken) =>
        db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.OwnerId == owner && j.IdempotencyKey == key, cancellationToken);
}

public static class JobKinds
{
    public const string Export = "export";
}

public static class ExportFormats
{
    public const string Json = "json";
    public const string Csv = "csv";
}

public sealed record JobServices(ConduitDbContext Db, OutboxSignal Outbox, TimeProvider Time, ClaimsPrincipal User);

public static class JobsExtensions
{
    public static IHostApplicationBuilder AddConduitJobs(this IHostApplicationBuilder builder)
    {
        // Ahead of the chain's reflection-based resolver (last by default), which would otherwise answer for these types.
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, JobsJsonContext.Default));
        return builder;
    }
}
