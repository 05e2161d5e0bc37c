using System.ComponentModel;
using AspireScale.Api.Caching;
using AspireScale.Api.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace AspireScale.Api.Tags;

// Immutable once built, so HybridCache hands out the cached instance instead of a copy per request.
[ImmutableObject(true)]
public sealed record TagsEnvelope(IReadOnlyList<string> Tags);

public static class TagsApi
{
    private const string CacheKey = "tags:all";

    public static RouteGroupBuilder MapTagsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/tags").WithTags("Tags");

        api.MapGet("", GetTags).WithName("GetTags");

        return api;
    }

    // Anonymous data: always the replica (when there is one), through this process's reference-data cache. The load runs
    // in its own scope: callers that join it may outlive the request that started it.
    public static async Task<Ok<TagsEnvelope>> GetTags(ReferenceData cache, IServiceScopeFactory scopes, CancellationToken cancellationToken)
    {
        var envelope = await cache.GetOrLoadAsync(CacheKey, CacheTags.Tags, async ct =>
        {
            await using var scope = scopes.CreateAsyncScope();
            var tags = await scope.ServiceProvider.GetRequiredService<ReadRouting>().ReadAsync(
                null,
                (db, c) => db.Articles.SelectMany(a => a.TagList).Distinct().OrderBy(t => t).ToListAsync(c),
                ct);
            return new TagsEnvelope(tags);
        }, cancellationToken);
        return TypedResults.Ok(envelope);
    }
}
