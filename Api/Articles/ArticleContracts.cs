using System.ComponentModel.DataAnnotations;
using AspireScale.Api.Data;
using AspireScale.Api.Profiles;

namespace AspireScale.Api.Articles;

public sealed record NewArticleEnvelope(NewArticle? Article);

// The attributes only document the limits in the OpenAPI schemas (ArticleRules enforces them, in the spec's error format;
// it counts UTF-16 code units of the trimmed text, and distinct tags, where JSON Schema counts characters and items, the
// same for text in the Basic Multilingual Plane; each tag's own limit, Limits.Tag, is not declared). A parameter with a
// default is optional there, as the spec has it: tagList on a new article, every field of an update.
public sealed record NewArticle(
    [property: MaxLength(Limits.Title)] string? Title,
    [property: MaxLength(Limits.Description)] string? Description,
    [property: MaxLength(Limits.Body)] string? Body,
    [property: MaxLength(Limits.TagsPerArticle)] string?[]? TagList = null);

public sealed record UpdateArticleEnvelope(UpdateArticle? Article);

public sealed record UpdateArticle(
    [property: MaxLength(Limits.Title)] string? Title = null,
    [property: MaxLength(Limits.Description)] string? Description = null,
    [property: MaxLength(Limits.Body)] string? Body = null,
    [property: MaxLength(Limits.TagsPerArticle)] string?[]? TagList = null);

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
