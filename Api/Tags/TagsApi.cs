using AspireScale.Api.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace AspireScale.Api.Tags;

public sealed record TagsEnvelope(IReadOnlyList<string> Tags);

public static class TagsApi
{
    public static RouteGroupBuilder MapTagsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/tags").WithTags("Tags");

        api.MapGet("", GetTags).WithName("GetTags");

        return api;
    }

    // Anonymous data: always the replica (when there is one).
    public static async Task<Ok<TagsEnvelope>> GetTags(ReadRouting reads, CancellationToken cancellationToken)
    {
        var tags = await reads.ReadAsync(
            null,
            (db, ct) => db.Articles.SelectMany(a => a.TagList).Distinct().OrderBy(t => t).ToListAsync(ct),
            cancellationToken);
        return TypedResults.Ok(new TagsEnvelope(tags));
    }
}
