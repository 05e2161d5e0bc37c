using System.Collections.Frozen;
using AspireScale.Api.Auth;

namespace AspireScale.Api.Caching;

// The one table that says what the output cache may hold and what each write makes stale. Keyed by endpoint name (the
// spec's operationId, given by .WithName in each feature's XApi), so feature files need no caching code.
//
// Tags on a cached read                                   | Write (successful 2xx)          | Tags it evicts
// ------------------------------------------------------- | ------------------------------- | -------------------------------------------
// GetArticles(V2), GetArticlesFeed(V2): lists             | CreateArticle                   | lists, tags
// GetArticle(V2): article:{slug}                          | UpdateArticle, DeleteArticle    | article:{slug}, comments:{slug}, lists, tags
// GetArticleComments: comments:{slug}                     | Create/DeleteArticleFavorite    | article:{slug}, lists (counts change for all)
// GetProfileByUsername: profile:{username}                | Create/DeleteArticleComment     | comments:{slug}
// GetTags: tags                                           | Follow/UnfollowUserByUsername   | viewer:{me} (only the follower's views change)
// every read but tags: users (they embed profiles)        | UpdateCurrentUser               | users (name, bio, image are embedded everywhere)
// every read made with a token: viewer:{id}               | CreateUser, Login               | nothing (only 200s are cached)
// every read: all (flushed after a Redis outage)          |                                 |
//
// Entries vary by viewer (the token's user id, or anonymous): per-user fields (favorited, following) never cross users.
public static class CacheTags
{
    public const string All = "all";
    public const string Lists = "lists";
    public const string Tags = "tags";
    public const string Users = "users";

    private static readonly FrozenDictionary<string, Func<RouteValueDictionary, string[]>> Reads =
        new Dictionary<string, Func<RouteValueDictionary, string[]>>
        {
            ["GetArticles"] = _ => [Lists, Users],
            ["GetArticlesFeed"] = _ => [Lists, Users],
            ["GetArticle"] = values => [Article(values), Users],
            ["GetArticlesV2"] = _ => [Lists, Users],
            ["GetArticlesFeedV2"] = _ => [Lists, Users],
            ["GetArticleV2"] = values => [Article(values), Users],
            ["GetArticleComments"] = values => [Comments(values), Users],
            ["GetProfileByUsername"] = values => [$"profile:{values["username"]}", Users],
            ["GetTags"] = _ => [Tags],
        }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, Func<RouteValueDictionary, long?, string[]>> Writes =
        new Dictionary<string, Func<RouteValueDictionary, long?, string[]>>
        {
            ["CreateArticle"] = (_, _) => [Lists, Tags],
            ["UpdateArticle"] = (values, _) => [Article(values), Comments(values), Lists, Tags],
            ["DeleteArticle"] = (values, _) => [Article(values), Comments(values), Lists, Tags],
            ["CreateArticleFavorite"] = (values, _) => [Article(values), Lists],
            ["DeleteArticleFavorite"] = (values, _) => [Article(values), Lists],
            ["CreateArticleComment"] = (values, _) => [Comments(values)],
            ["DeleteArticleComment"] = (values, _) => [Comments(values)],
            ["FollowUserByUsername"] = (_, me) => me is { } id ? [Viewer(id)] : [],
            ["UnfollowUserByUsername"] = (_, me) => me is { } id ? [Viewer(id)] : [],
            ["UpdateCurrentUser"] = (_, _) => [Users],
        }.ToFrozenDictionary(StringComparer.Ordinal);

    // Null when the endpoint's responses are never cached.
    public static string[]? ForRead(HttpContext context)
    {
        if (EndpointName(context) is not { } name || !Reads.TryGetValue(name, out var tags))
        {
            return null;
        }

        var read = tags(context.Request.RouteValues);
        return context.User.Id() is { } viewer ? [.. read, Viewer(viewer), All] : [.. read, All];
    }

    public static string[] ForWrite(HttpContext context) =>
        EndpointName(context) is { } name && Writes.TryGetValue(name, out var tags)
            ? tags(context.Request.RouteValues, context.User.Id())
            : [];

    public static bool IsCacheableRead(HttpContext context) =>
        EndpointName(context) is { } name && Reads.ContainsKey(name);

    public static string Viewer(long id) => $"viewer:{id}";

    private static string Article(RouteValueDictionary values) => $"article:{values["slug"]}";

    private static string Comments(RouteValueDictionary values) => $"comments:{values["slug"]}";

    private static string? EndpointName(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
}
