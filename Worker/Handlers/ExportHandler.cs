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
using Npgsql;
using NpgsqlTypes;

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

        var export = await StartAsync(db, request.JobId, time.GetUtcNow().UtcDateTime, Activity.Current?.TraceId.ToHexString(), cancellationToken);
        if (export is null)
        {
            // Gone with its owner, or finished by an earlier delivery: nothing left to do.
            LogNothingToDo(logger, request.JobId);
            return;
        }

        if (options.Value.AllowTestFaults && request.TestFault is { } fault)
        {
            await InjectTestFaultAsync(fault, message.Attempt, cancellationToken);
        }

        var (content, contentType) = Render(export, time.GetUtcNow().UtcDateTime);

        // The inbox row and the result in one statement, atomic on its own: one round trip instead of BEGIN, the inbox
        // INSERT, the UPDATE and COMMIT. An earlier delivery that committed left its inbox row, so the UPDATE finds none
        // and changes nothing. A retry after a lost answer does the same.
        var finishedAt = time.GetUtcNow().UtcDateTime;
        await db.Database.ExecuteSqlAsync($"""
            WITH inbox AS (
                INSERT INTO inbox_messages (message_id, consumer, processed_at) VALUES ({message.MessageId}, {Consumer}, {finishedAt})
                ON CONFLICT DO NOTHING
                RETURNING 1)
            UPDATE jobs SET status = {JobStatus.Succeeded}, result = {content}, result_content_type = {contentType}, error = NULL,
                completed_at = {finishedAt}
            WHERE id = {request.JobId} AND status NOT IN ({JobStatus.Succeeded}, {JobStatus.Failed}) AND EXISTS (SELECT FROM inbox)
            """, cancellationToken);
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

    // Marks the job running and reads what its export needs in one statement: one round trip instead of four (read the
    // job, mark it, read its owner's name, read the articles). Null when the job is gone or finished. Npgsql directly:
    // EF maps a raw query only to an entity or a scalar, and this one returns a row per article.
    private static async Task<Export?> StartAsync(ConduitDbContext db, Guid jobId, DateTime now, string? traceId, CancellationToken cancellationToken) =>
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await db.Database.OpenConnectionAsync(ct);
            try
            {
                await using var command = new NpgsqlCommand("""
                    WITH job AS (
                        UPDATE jobs SET status = $1, attempts = attempts + 1, started_at = coalesce(started_at, $2), trace_id = $3
                        WHERE id = $4 AND status NOT IN ($5, $6)
                        RETURNING owner_id, format)
                    SELECT job.format, u.username, a.slug, a.title, a.description, a.body, a.tag_list, a.created_at, a.updated_at
                    FROM job
                    JOIN users u ON u.id = job.owner_id
                    LEFT JOIN articles a ON a.author_id = job.owner_id
                    ORDER BY a.created_at DESC, a.id DESC
                    """, (NpgsqlConnection)db.Database.GetDbConnection())
                {
                    Parameters =
                    {
                        new() { Value = JobStatus.Running },
                        new() { Value = now },
                        new() { Value = (object?)traceId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                        new() { Value = jobId },
                        new() { Value = JobStatus.Succeeded },
                        new() { Value = JobStatus.Failed },
                    },
                };
                await using var reader = await command.ExecuteReaderAsync(ct);
                Export? export = null;
                while (await reader.ReadAsync(ct))
                {
                    export ??= new Export(reader.GetString(0), reader.GetString(1), []);
                    if (!reader.IsDBNull(2))
                    {
                        export.Articles.Add(new ExportedArticle(
                            reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                            reader.GetFieldValue<string[]>(6), reader.GetDateTime(7), reader.GetDateTime(8)));
                    }
                }

                return export;
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }, cancellationToken);

    private sealed record Export(string Format, string Username, List<ExportedArticle> Articles);

    private static (string Content, string ContentType) Render(Export export, DateTime now) => export.Format switch
    {
        ExportFormats.Json => (JsonSerializer.Serialize(new ExportDocument(export.Username, now, export.Articles), JobsJsonContext.Default.ExportDocument), "application/json"),
        ExportFormats.Csv => (ToCsv(export.Articles), "text/csv"),
        _ => throw new NotSupportedException($"Unsupported export format '{export.Format}'."),
    };

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
