using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AspireScale.Api.Data;
using AspireScale.Api.Jobs;
using AspireScale.Api.Messaging;
using AspireScale.Worker.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AspireScale.Worker.Handlers;

// Runs an export job: the owner's articles as JSON or CSV, stored on the job row. The result and "succeeded" commit with
// the inbox row, so a redelivery (a Worker killed after committing, before acking) finds the job done and stops.
public sealed partial class ExportHandler(
    IServiceScopeFactory scopes,
    IOptions<JobsOptions> options,
    TimeProvider time,
    ILogger<ExportHandler> logger) : IMessageHandler
{
    private const string Consumer = "export";

    public string MessageType => MessageTypes.ExportRequested;

    public async Task HandleAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        var request = message.Read(MessagingJsonContext.Default.ExportRequested);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConduitDbContext>();

        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == request.JobId, cancellationToken);
        if (job is null || job.Status is JobStatus.Succeeded or JobStatus.Failed)
        {
            // Gone with its owner, or finished by an earlier delivery: nothing left to do.
            LogNothingToDo(logger, request.JobId);
            return;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var traceId = Activity.Current?.TraceId.ToHexString();
        await db.Jobs
            .Where(j => j.Id == job.Id && j.Status != JobStatus.Succeeded && j.Status != JobStatus.Failed)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, JobStatus.Running)
                // Counts deliveries that started work: retries and redeliveries after a crash alike.
                .SetProperty(j => j.Attempts, j => j.Attempts + 1)
                .SetProperty(j => j.StartedAt, j => j.StartedAt ?? now)
                .SetProperty(j => j.TraceId, traceId), cancellationToken);

        if (options.Value.AllowTestFaults && request.TestFault is { } fault)
        {
            await InjectTestFaultAsync(fault, message.Attempt, cancellationToken);
        }

        var (content, contentType) = await BuildExportAsync(db, job, cancellationToken);

        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var finishedAt = time.GetUtcNow().UtcDateTime;
            if (!await Inbox.TryRecordAsync(db, message.MessageId, Consumer, finishedAt, ct))
            {
                return;
            }

            await db.Jobs
                .Where(j => j.Id == job.Id && j.Status != JobStatus.Succeeded && j.Status != JobStatus.Failed)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.Status, JobStatus.Succeeded)
                    .SetProperty(j => j.Result, content)
                    .SetProperty(j => j.ResultContentType, contentType)
                    .SetProperty(j => j.Error, (string?)null)
                    .SetProperty(j => j.CompletedAt, finishedAt), ct);
            await transaction.CommitAsync(ct);
        }, cancellationToken);
    }

    public async Task OnExhaustedAsync(ReceivedMessage message, string reason, CancellationToken cancellationToken)
    {
        ExportRequested request;
        try
        {
            request = message.Read(MessagingJsonContext.Default.ExportRequested);
        }
        catch (PoisonMessageException)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConduitDbContext>();
        var now = time.GetUtcNow().UtcDateTime;
        await db.Jobs
            .Where(j => j.Id == request.JobId && j.Status != JobStatus.Succeeded)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, JobStatus.Failed)
                .SetProperty(j => j.Error, reason)
                .SetProperty(j => j.CompletedAt, now), cancellationToken);
    }

    private static async Task InjectTestFaultAsync(TestFault fault, int attempt, CancellationToken cancellationToken)
    {
        if (fault.DelayMs > 0)
        {
            await Task.Delay(fault.DelayMs, cancellationToken);
        }

        if (attempt <= fault.FailAttempts)
        {
            throw new InvalidOperationException($"Test fault: attempt {attempt} of {fault.FailAttempts} failing attempt(s).");
        }
    }

    private static async Task<(string Content, string ContentType)> BuildExportAsync(ConduitDbContext db, Job job, CancellationToken cancellationToken)
    {
        if (job.Format is not (ExportFormats.Json or ExportFormats.Csv))
        {
            throw new NotSupportedException($"Unsupported export format '{job.Format}'.");
        }

        var username = await db.Users.Where(u => u.Id == job.OwnerId).Select(u => u.Username).SingleAsync(cancellationToken);
        var articles = await db.Articles.AsNoTracking()
            .Where(a => a.AuthorId == job.OwnerId)
            .OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id)
            .Select(a => new ExportedArticle(a.Slug, a.Title, a.Description, a.Body, a.TagList, a.CreatedAt, a.UpdatedAt))
            .ToListAsync(cancellationToken);

        return job.Format == ExportFormats.Json
            ? (JsonSerializer.Serialize(new ExportDocument(username, DateTime.UtcNow, articles), JobsJsonContext.Default.ExportDocument), "application/json")
            : (ToCsv(articles), "text/csv");
    }

    // RFC 4180: every field quoted, quotes doubled. The tags are a JSON array in their field: a tag may hold spaces,
    // commas and quotes, so no separator character would keep them apart. Escaped only as JSON requires: the default
    // encoder's escapes (é as \u00E9) are for HTML, and a spreadsheet shows them.
    private static readonly JsonTypeInfo<string[]> RelaxedTags = (JsonTypeInfo<string[]>)new JsonSerializerOptions(JobsJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    }.GetTypeInfo(typeof(string[]));

    private static string ToCsv(IReadOnlyList<ExportedArticle> articles)
    {
        var csv = new StringBuilder("slug,title,description,body,tagList,createdAt,updatedAt\r\n");
        foreach (var a in articles)
        {
            string[] fields =
            [
                a.Slug, a.Title, a.Description, a.Body, JsonSerializer.Serialize(a.TagList, RelaxedTags),
                a.CreatedAt.ToString("O", CultureInfo.InvariantCulture), a.UpdatedAt.ToString("O", CultureInfo.InvariantCulture),
            ];
            csv.AppendJoin(',', fields.Select(field => "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"")).Append("\r\n");
        }

        return csv.ToString();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Export job {JobId} is gone or already finished")]
    private static partial void LogNothingToDo(ILogger logger, Guid jobId);

}
