using System.Text.Json;
using System.Text.Json.Serialization;
using AspireScale.Api.Jobs;

namespace AspireScale.Api.Messaging;

// What travels on `conduit.jobs`: the message type in BasicProperties.Type, its id in MessageId, this JSON in the body.
// Bodies carry ids, not copies of rows: the consumer reads the current state, so a late or repeated message cannot
// resurrect stale data.
public static class MessageTypes
{
    public const string ExportRequested = "export.requested";
    public const string ArticlePublished = "article.published";
    public const string CommentAdded = "comment.added";
}

// TestFault only from a test topology (Jobs:AllowTestFaults); left out of the body when there is none.
public sealed record ExportRequested(Guid JobId, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TestFault? TestFault = null);

// Fans out every article of this author that is not yet in the followers' feeds (so one message or ten say the same).
public sealed record ArticlePublished(long AuthorId);

public sealed record CommentAdded(long CommentId);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ExportRequested))]
[JsonSerializable(typeof(ArticlePublished))]
[JsonSerializable(typeof(CommentAdded))]
public sealed partial class MessagingJsonContext : JsonSerializerContext;
