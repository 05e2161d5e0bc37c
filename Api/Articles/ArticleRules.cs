using AspireScale.Api.Data;
using AspireScale.Api.Infrastructure;

namespace AspireScale.Api.Articles;

internal static class ArticleRules
{
    // Trimmed, without duplicates, sorted (clients and the Postman suite expect a stable alphabetical tagList).
    public static string[] Tags(ValidationErrors errors, string?[]? tags)
    {
        if (tags is null)
        {
            return [];
        }

        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            if (string.IsNullOrWhiteSpace(tag))
            {
                errors.Add("tagList", "tags can't be blank");
                continue;
            }

            var trimmed = tag.Trim();
            if (trimmed.Length > Limits.Tag)
            {
                errors.Add("tagList", $"tags are at most {Limits.Tag} characters");
            }
            else if (trimmed.Contains('\0', StringComparison.Ordinal))
            {
                errors.Add("tagList", "tags may not contain NUL characters");
            }
            else
            {
                result.Add(trimmed);
            }
        }

        if (result.Count > Limits.TagsPerArticle)
        {
            errors.Add("tagList", $"has too many tags (maximum is {Limits.TagsPerArticle})");
        }

        return [.. result];
    }
}
