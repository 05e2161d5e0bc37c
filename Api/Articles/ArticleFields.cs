using System.Linq.Expressions;
using System.Text.Json.Nodes;
using AspireScale.Api.Data;
using AspireScale.Api.Infrastructure;
using Microsoft.EntityFrameworkCore.Query;

namespace AspireScale.Api.Articles;

// The v2 sparse fieldsets (?fields=slug,title,author.username). The requested set becomes the SELECT list itself: the
// projection is a MemberInit built from only the requested bindings, so an unrequested column (say, body) is never read.
[Flags]
internal enum ArticleField
{
    None = 0,
    Slug = 1 << 0,
    Title = 1 << 1,
    Description = 1 << 2,
    Body = 1 << 3,
    TagList = 1 << 4,
    CreatedAt = 1 << 5,
    UpdatedAt = 1 << 6,
    Favorited = 1 << 7,
    FavoritesCount = 1 << 8,
    AuthorUsername = 1 << 9,
    AuthorBio = 1 << 10,
    AuthorImage = 1 << 11,
    AuthorFollowing = 1 << 12,
    Author = AuthorUsername | AuthorBio | AuthorImage | AuthorFollowing,
    // The default shapes are v1's: lists leave out the body, a single article has everything.
    Summary = Slug | Title | Description | TagList | CreatedAt | UpdatedAt | Favorited | FavoritesCount | Author,
    All = Summary | Body,
}

// One flat row; only the requested properties are bound (and selected), the others keep their defaults.
// Id and CreatedAt are always read: they are the keyset cursor.
internal sealed class ArticleRow
{
    public long Id { get; set; }
    public DateTime CreatedAt { get; set; }
    public string? Slug { get; set; }
    public string? Title { get; set; }
    public string? Description { get; set; }
    public string? Body { get; set; }
    public string[]? TagList { get; set; }
    public DateTime UpdatedAt { get; set; }
    public bool Favorited { get; set; }
    public int FavoritesCount { get; set; }
    public string? AuthorUsername { get; set; }
    public string? AuthorBio { get; set; }
    public string? AuthorImage { get; set; }
    public bool AuthorFollowing { get; set; }
}

internal static class ArticleFields
{
    private static readonly Dictionary<string, ArticleField> Names = new(StringComparer.Ordinal)
    {
        ["slug"] = ArticleField.Slug,
        ["title"] = ArticleField.Title,
        ["description"] = ArticleField.Description,
        ["body"] = ArticleField.Body,
        ["tagList"] = ArticleField.TagList,
        ["createdAt"] = ArticleField.CreatedAt,
        ["updatedAt"] = ArticleField.UpdatedAt,
        ["favorited"] = ArticleField.Favorited,
        ["favoritesCount"] = ArticleField.FavoritesCount,
        ["author"] = ArticleField.Author,
        ["author.username"] = ArticleField.AuthorUsername,
        ["author.bio"] = ArticleField.AuthorBio,
        ["author.image"] = ArticleField.AuthorImage,
        ["author.following"] = ArticleField.AuthorFollowing,
    };

    // Absent means the default shape; every name must be known (a typo must not silently drop data).
    public static ArticleField Parse(string? fields, ArticleField defaults, ValidationErrors errors)
    {
        if (fields is null)
        {
            return defaults;
        }

        var result = ArticleField.None;
        foreach (var name in fields.Split(',', StringSplitOptions.TrimEntries))
        {
            if (Names.TryGetValue(name, out var field))
            {
                result |= field;
            }
            else
            {
                errors.Add("fields", $"unknown field '{(name.Length > 64 ? name[..64] + "…" : name)}'");
            }
        }

        return result;
    }

    // a => new ArticleRow { Id = a.Id, CreatedAt = a.CreatedAt, <only the requested bindings> }. The viewer id is a
    // captured variable, so EF sends it as a parameter and caches one plan per field set, not per viewer.
    public static Expression<Func<Article, ArticleRow>> Projection(ArticleField fields, long viewer)
    {
        var article = Expression.Parameter(typeof(Article), "a");
        var bindings = new List<MemberBinding>
        {
            Bind(article, r => r.Id, a => a.Id),
            Bind(article, r => r.CreatedAt, a => a.CreatedAt),
        };
        void When<T>(ArticleField field, Expression<Func<ArticleRow, T>> target, Expression<Func<Article, T>> source)
        {
            if (fields.HasFlag(field))
            {
                bindings.Add(Bind(article, target, source));
            }
        }

        When(ArticleField.Slug, r => r.Slug, a => a.Slug);
        When(ArticleField.Title, r => r.Title, a => a.Title);
        When(ArticleField.Description, r => r.Description, a => a.Description);
        When(ArticleField.Body, r => r.Body, a => a.Body);
        When(ArticleField.TagList, r => r.TagList, a => a.TagList);
        When(ArticleField.UpdatedAt, r => r.UpdatedAt, a => a.UpdatedAt);
        When(ArticleField.Favorited, r => r.Favorited, a => a.Favorites.Any(f => f.UserId == viewer));
        When(ArticleField.FavoritesCount, r => r.FavoritesCount, a => a.FavoritesCount);
        When(ArticleField.AuthorUsername, r => r.AuthorUsername, a => a.Author.Username);
        When(ArticleField.AuthorBio, r => r.AuthorBio, a => a.Author.Bio);
        When(ArticleField.AuthorImage, r => r.AuthorImage, a => a.Author.Image);
        When(ArticleField.AuthorFollowing, r => r.AuthorFollowing, a => a.Author.Followers.Any(f => f.FollowerId == viewer));
        return Expression.Lambda<Func<Article, ArticleRow>>(Expression.MemberInit(Expression.New(typeof(ArticleRow)), bindings), article);
    }

    // JSON in the spec's names and order, only the requested members; JsonObject keeps it reflection-free.
    public static JsonObject ToJson(ArticleRow row, ArticleField fields)
    {
        var json = new JsonObject();
        if (fields.HasFlag(ArticleField.Slug))
        {
            json["slug"] = row.Slug;
        }

        if (fields.HasFlag(ArticleField.Title))
        {
            json["title"] = row.Title;
        }

        if (fields.HasFlag(ArticleField.Description))
        {
            json["description"] = row.Description;
        }

        if (fields.HasFlag(ArticleField.Body))
        {
            json["body"] = row.Body;
        }

        if (fields.HasFlag(ArticleField.TagList))
        {
            var tags = new JsonArray();
            foreach (var tag in row.TagList ?? [])
            {
                tags.Add((JsonNode?)tag);
            }

            json["tagList"] = tags;
        }

        if (fields.HasFlag(ArticleField.CreatedAt))
        {
            json["createdAt"] = UtcMicrosecondsConverter.Format(row.CreatedAt);
        }

        if (fields.HasFlag(ArticleField.UpdatedAt))
        {
            json["updatedAt"] = UtcMicrosecondsConverter.Format(row.UpdatedAt);
        }

        if (fields.HasFlag(ArticleField.Favorited))
        {
            json["favorited"] = row.Favorited;
        }

        if (fields.HasFlag(ArticleField.FavoritesCount))
        {
            json["favoritesCount"] = row.FavoritesCount;
        }

        if ((fields & ArticleField.Author) != 0)
        {
            var author = new JsonObject();
            if (fields.HasFlag(ArticleField.AuthorUsername))
            {
                author["username"] = row.AuthorUsername;
            }

            if (fields.HasFlag(ArticleField.AuthorBio))
            {
                author["bio"] = row.AuthorBio;
            }

            if (fields.HasFlag(ArticleField.AuthorImage))
            {
                author["image"] = row.AuthorImage;
            }

            if (fields.HasFlag(ArticleField.AuthorFollowing))
            {
                author["following"] = row.AuthorFollowing;
            }

            json["author"] = author;
        }

        return json;
    }

    private static MemberAssignment Bind<T>(ParameterExpression article, Expression<Func<ArticleRow, T>> target, Expression<Func<Article, T>> source) =>
        Expression.Bind(
            ((MemberExpression)target.Body).Member,
            ReplacingExpressionVisitor.Replace(source.Parameters[0], article, source.Body));
}
