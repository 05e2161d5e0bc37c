namespace AspireScale.Api.Data;

// Column sizes and request limits in one place: the configurations and the validators both read them.
public static class Limits
{
    public const int Username = 64;
    public const int Email = 256;
    public const int Password = 256;
    public const int PasswordMinimum = 8;
    public const int Bio = 2048;
    public const int Image = 2048;
    public const int Title = 256;
    public const int Slug = 300;
    public const int Description = 1024;
    public const int Body = 64 * 1024;
    public const int Tag = 64;
    public const int TagsPerArticle = 20;
    public const int CommentBody = 64 * 1024;
    public const int PageSize = 100;
    public const int DefaultPageSize = 20;
    public const int IdempotencyKey = 200;
    public const long RequestBodyBytes = 256 * 1024;
}
