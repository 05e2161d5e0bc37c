using System.Text.Json;
using AspireScale.Tests.Api.Infrastructure;

namespace AspireScale.Tests.Versioning;

// Walks a whole list both ways: v1 with limit/offset (driven by articlesCount), v2 by following nextCursor.
internal static class V2Walks
{
    public static async Task<List<string>> OffsetWalkAsync(ConduitClient conduit, string path, int limit, string? token = null)
    {
        var slugs = new List<string>();
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        for (var offset = 0; ; offset += limit)
        {
            var page = await conduit.GetOkAsync($"{path}{separator}limit={limit}&offset={offset}", token);
            slugs.AddRange(page.Slugs());
            if (offset + limit >= page.GetProperty("articlesCount").GetInt32())
            {
                return slugs;
            }
        }
    }

    // Also checks each page's own contract: never more than limit articles, a cursor only when more follow.
    public static async Task<List<string>> CursorWalkAsync(ConduitClient conduit, string path, int limit, string? token = null)
    {
        var slugs = new List<string>();
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        string? cursor = null;
        for (var pages = 0; pages < 1000; pages++)
        {
            var url = $"{path}{separator}limit={limit}" + (cursor is null ? "" : $"&cursor={cursor}");
            var page = await conduit.GetOkAsync(url, token);
            Assert.False(page.TryGetProperty("articlesCount", out _), "v2 pages carry no count");
            var articles = page.Slugs();
            Assert.True(articles.Length <= limit, $"{url} returned {articles.Length} articles for limit={limit}");
            slugs.AddRange(articles);
            var next = page.GetProperty("nextCursor");
            if (next.ValueKind == JsonValueKind.Null)
            {
                return slugs;
            }

            Assert.Equal(limit, articles.Length);
            cursor = next.GetString();
        }

        throw new InvalidOperationException($"{path}: the cursor walk did not end");
    }
}
