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
        var api = app.MapGroup("/api/profiles").WithTags("Profile").RejectInvalidTokens();

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
        // Insert-if-absent in one statement: following twice is not an error, and a missing user inserts nothing.
        var inserted = await services.Db.Database.ExecuteSqlAsync(
            $"INSERT INTO follows (follower_id, followee_id) SELECT {me}, id FROM users WHERE username = {username} ON CONFLICT DO NOTHING",
            cancellationToken);
        return await RespondAfterWriteAsync(services, me, username, inserted, cancellationToken);
    }

    public static async Task<Results<Ok<ProfileEnvelope>, NotFound<ErrorEnvelope>>> Unfollow(
        string username, [AsParameters] ProfileServices services, CancellationToken cancellationToken)
    {
        var me = services.User.RequiredId();
        var deleted = await services.Db.Follows
            .Where(f => f.FollowerId == me && f.Followee.Username == username)
            .ExecuteDeleteAsync(cancellationToken);
        return await RespondAfterWriteAsync(services, me, username, deleted, cancellationToken);
    }

    private static async Task<Results<Ok<ProfileEnvelope>, NotFound<ErrorEnvelope>>> RespondAfterWriteAsync(
        ProfileServices services, long me, string username, int changedRows, CancellationToken cancellationToken)
    {
        if (changedRows > 0)
        {
            await services.Reads.RecordWriteAsync(me, cancellationToken);
        }

        return Respond(await FindProfileAsync(services.Db, username, me, cancellationToken));
    }

    private static Results<Ok<ProfileEnvelope>, NotFound<ErrorEnvelope>> Respond(ProfileView? profile) =>
        profile is null ? ApiErrors.NotFound("profile") : TypedResults.Ok(new ProfileEnvelope(profile));

    // viewer 0 (anonymous) follows nobody: identity ids start at 1, and one query shape serves both cases.
    internal static Task<ProfileView?> FindProfileAsync(ConduitDbContext db, string username, long? viewer, CancellationToken cancellationToken)
    {
        var me = viewer ?? 0;
        return db.Users
            .Where(u => u.Username == username)
            .Select(u => new ProfileView(u.Username, u.Bio, u.Image, u.Followers.Any(f => f.FollowerId == me)))
            .SingleOrDefaultAsync(cancellationToken);
    }
}

public sealed record ProfileServices(ConduitDbContext Db, ReadRouting Reads, ClaimsPrincipal User);
