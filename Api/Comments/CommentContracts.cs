using AspireScale.Api.Profiles;

namespace AspireScale.Api.Comments;

public sealed record NewCommentEnvelope(NewComment? Comment);

public sealed record NewComment(string? Body);

public sealed record CommentEnvelope(CommentView Comment);

public sealed record CommentView(long Id, DateTime CreatedAt, DateTime UpdatedAt, string Body, ProfileView Author);

public sealed record CommentsEnvelope(IReadOnlyList<CommentView> Comments);
