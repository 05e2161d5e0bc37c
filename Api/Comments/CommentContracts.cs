using System.ComponentModel.DataAnnotations;
using AspireScale.Api.Data;
using AspireScale.Api.Profiles;

namespace AspireScale.Api.Comments;

public sealed record NewCommentEnvelope(NewComment? Comment);

// MaxLength only documents the limit in the OpenAPI schema; CommentsApi enforces it in the spec's error format.
public sealed record NewComment([property: MaxLength(Limits.CommentBody)] string? Body);

public sealed record CommentEnvelope(CommentView Comment);

public sealed record CommentView(long Id, DateTime CreatedAt, DateTime UpdatedAt, string Body, ProfileView Author);

public sealed record CommentsEnvelope(IReadOnlyList<CommentView> Comments);
