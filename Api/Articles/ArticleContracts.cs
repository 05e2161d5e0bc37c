using AspireScale.Api.Profiles;

namespace AspireScale.Api.Articles;

public sealed record NewArticleEnvelope(NewArticle? Article);

public sealed record NewArticle(string? Title, string? Description, string? Body, string?[]? TagList);

public sealed record UpdateArticleEnvelope(UpdateArticle? Article);

public sealed record UpdateArticle(string? Title, string? Description, string? Body, string?[]? TagList);

public sealed record ArticleEnvelope(ArticleView Article);

public sealed record ArticleView(
    string Slug,
    string Title,
    string Description,
    string Body,
    string[] TagList,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    bool Favorited,
    int FavoritesCount,
    ProfileView Author);

// Lists leave out the body (spec, since 2024-08).
public sealed record ArticleSummaryView(
    string Slug,
    string Title,
    string Description,
    string[] TagList,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    bool Favorited,
    int FavoritesCount,
    ProfileView Author);

public sealed record ArticlesEnvelope(IReadOnlyList<ArticleSummaryView> Articles, int ArticlesCount);
