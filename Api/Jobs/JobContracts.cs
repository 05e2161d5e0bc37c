using System.Text.Json;
using System.Text.Json.Serialization;
using AspireScale.Api.Data;
using AspireScale.Api.Notifications;

namespace AspireScale.Api.Jobs;

public sealed record NewExportEnvelope(NewExport? Export);

public sealed record NewExport(string? Format);

public sealed record JobEnvelope(JobView Job);

public sealed record JobView(
    Guid Id,
    string Kind,
    string Format,
    string Status,
    int Attempts,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? CompletedAt,
    string? Error,
    string? ResultUrl)
{
    public static JobView From(Job job) => new(
        job.Id, job.Kind, job.Format, job.Status, job.Attempts, job.CreatedAt, job.StartedAt, job.CompletedAt, job.Error,
        job.Status == JobStatus.Succeeded ? JobsApi.ResultPath(job.Id) : null);
}

// What an export contains: the caller's articles, newest first.
public sealed record ExportedArticle(string Slug, string Title, string Description, string Body, string[] TagList, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record ExportDocument(string Username, DateTime ExportedAt, IReadOnlyList<ExportedArticle> Articles);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(NewExportEnvelope))]
[JsonSerializable(typeof(TestExportEnvelope))]
[JsonSerializable(typeof(JobEnvelope))]
[JsonSerializable(typeof(ExportDocument))]
[JsonSerializable(typeof(NotificationsEnvelope))]
public sealed partial class JobsJsonContext : JsonSerializerContext;
