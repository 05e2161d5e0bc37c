using System.Security.Claims;
using AspireScale.Api.Auth;
using AspireScale.Api.Data;
using AspireScale.Api.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace AspireScale.Api.Profiles;

public static class ProfilesApi
{
    public static RouteGroupBuilder MapProfilesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/profiles").WithTags("Profile").RejectInvalidTokens().DescribesNotFound("profile", "username");

        api.MapGet("/{username}", GetProfile).WithName("GetProfileByUsername");

        var signedIn = api.MapGroup("").RequireAuthorization();
        signedIn.MapPost("/{username}/follow", Follow).WithName("FollowUserByUsername");
        signedIn.MapDelete("/{username}/follow", Unfollow).WithName("UnfollowUserByUsername");

        return api;
    }

    public static async Task<Results<Ok<ProfileEnvelope>, NotFound<ErrorEnvelope>>> GetProfile(
        string username, [AsParameters] ProfileServices services, CancellationToken cancellationToken)
    {
        var viewer = services.User.Id();
        var profile = await services.Reads.FindAsync(viewer, (db, ct) => FindProfileAsync(db, username, viewer, ct), cancellationToken);
        return Respond(profile);
    }

    public static async Task<Results<Ok<ProfileEnvelope>, NotFound<ErrorEnvelope>>> Follow(
        string username, [AsParameters] ProfileServices services, CancellationToken cancellationToken)
    {
        var me = services.User.RequiredId();
        // Insert-if-absent and the feed backfill in one statement: following twice is not an error, a missing user inserts
        // nothing, and the followee's existing articles are in my feed from the moment the follow is.
        // ToListAsync, not SingleAsync: EF cannot wrap a data-modifying WITH in a subquery.
        var inserted = (await services.Db.Database.SqlQuery<int>($"""
            WITH followed AS (
                INSERT INTO follows (follower_id, followee_id) SELECT {me}, id FROM users WHERE username = {username}
                ON CONFLICT DO NOTHING
                RETURNING followee_id),
            backfilled AS (
                INSERT INTO feed_entries (user_id, article_id, author_id, created_at)
                SELECT {me}, a.id, a.author_id, a.created_at FROM followed JOIN articles a ON a.author_id = followed.followee_id
                ON CONFLICT DO NOTHING)
            SELECT count(*)::int AS "Value" FROM followed
            """).ToListAsync(cancellationToken))[0];
        return await RespondAfterWriteAsync(services, me, username, inserted, cancellationToken);
    }

    public static async Task<Results<Ok<ProfileEnvelope>, NotFound<ErrorEnvelope>>> Unfollow(
        string username, [AsParameters] ProfileServices services, CancellationToken cancellationToken)
    {
        var me = services.User.RequiredId();
        // Two statements in one transaction, in this order: deleting the follow waits for a Worker fan-out that holds it
        // FOR SHARE, so the second statement (a fresh snapshot) also removes the entries that fan-out just wrote.
        var strategy = services.Db.Database.CreateExecutionStrategy();
        var deleted = await strategy.ExecuteAsync(async ct =>
        {
            await using var transaction = await services.Db.Database.BeginTransactionAsync(ct);
            var followees = await services.Db.Database.SqlQuery<long>($"""
                DELETE FROM follows WHERE follower_id = {me} AND followee_id = (SELECT id FROM users WHERE username = {username})
                RETURNING followee_id AS "Value"
                """).ToListAsync(ct);
            if (followees.Count > 0)
            {
                var followee = followees[0];
                await services.Db.FeedEntries.Where(e => e.UserId == me && e.AuthorId == followee).ExecuteDeleteAsync(ct);
            }

            await transaction.CommitAsync(ct);
            return followees.Count;
        }, cancellationToken);
        return await RespondAfterWriteAsync(services, me, username, deleted, cancellationToken);
    }

    private static async Task<Results<Ok<ProfileEnvelope>, NotFound<ErrorEnvelope>>> RespondAfterWriteAsync(
        ProfileServices services, long me, string username, int changedRows, CancellationToken cancellationToken)
    {
        return Respond(changedRows > 0
            ? await services.Reads.ViewAfterWriteAsync(me, FindProfile(services.Db, username, me), cancellationToken)
            : await FindProfileAsync(services.Db, username, me, cancellationToken));
    }

    private static Results<Ok<ProfileEnvelope>, NotFound<ErrorEnvelope>> Respond(ProfileView? profile) =>
        profile is null ? ApiErrors.NotFound("profile") : TypedResults.Ok(new ProfileEnvelope(profile));

    // viewer 0 (anonymous) follows nobody: identity ids start at 1, and one query shape serves both cases.
    private static IQueryable<ProfileView> FindProfile(ConduitDbContext db, string username, long? viewer)
    {
        var me = viewer ?? 0;
        return db.Users
            .Where(u => u.Username == username)
            .Select(u => new ProfileView(u.Username, u.Bio, u.Image, u.Followers.Any(f => f.FollowerId == me)));
    }

    internal static Task<ProfileView?> FindProfileAsync(ConduitDbContext db, string username, long? viewer, CancellationToken cancellationToken) =>
        FindProfile(db, username, viewer).SingleOrDefaultAsync(cancellationToken);
}

public sealed record ProfileServices(ConduitDbContext Db, ReadRouting Reads, ClaimsPrincipal User);
