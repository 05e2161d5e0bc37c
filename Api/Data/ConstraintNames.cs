using Npgsql;

namespace AspireScale.Api.Data;

public static class ConstraintNames
{
    public const string UsersUsername = "ix_users_username";
    public const string UsersEmail = "ix_users_email";
    public const string ArticlesSlug = "ix_articles_slug";
    public const string JobsIdempotencyKey = "ix_jobs_owner_id_idempotency_key";

    // The name of the unique index a write collided with, or null when the failure was something else. SaveChanges wraps
    // the PostgresException in a DbUpdateException; ExecuteUpdate and raw SQL throw it directly.
    public static string? UniqueViolation(this Exception exception) =>
        (exception as PostgresException ?? exception.InnerException as PostgresException) is { SqlState: PostgresErrorCodes.UniqueViolation } postgres
            ? postgres.ConstraintName
            : null;

    public static bool ForeignKeyViolation(this Exception exception) =>
        (exception as PostgresException ?? exception.InnerException as PostgresException) is { SqlState: PostgresErrorCodes.ForeignKeyViolation };
}
