using System.Security.Claims;
using AspireScale.Api.Auth;
using AspireScale.Api.Data;
using AspireScale.Api.Infrastructure;
using AspireScale.Api.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace AspireScale.Api.Users;

public static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        // No invalid-token check on register and login: a client holding an expired token must still be able to sign in.
        var api = app.MapGroup("/api").WithTags("User and Authentication");

        api.MapPost("/users", Register).WithName("CreateUser").DescribesNewPasswordRule().ProducesErrors(StatusCodes.Status429TooManyRequests);
        api.MapPost("/users/login", Login).WithName("Login")
            .ProducesErrors(StatusCodes.Status401Unauthorized, StatusCodes.Status429TooManyRequests)
            .WithErrorExample(StatusCodes.Status401Unauthorized, "credentials", "invalid")
            .WithErrorExample(StatusCodes.Status429TooManyRequests, "login", "too many failed attempts, retry in 300 s");

        var signedIn = api.MapGroup("/user").RequireAuthorization().ProducesErrors(StatusCodes.Status401Unauthorized);
        signedIn.MapGet("", GetCurrentUser).WithName("GetCurrentUser");
        signedIn.MapPut("", UpdateCurrentUser).WithName("UpdateCurrentUser").DescribesNewPasswordRule();

        return api;
    }

    public static async Task<Results<Created<UserEnvelope>, UnprocessableEntity<ErrorEnvelope>, Conflict<ErrorEnvelope>>> Register(
        NewUserEnvelope request, [AsParameters] UserServices services, CancellationToken cancellationToken)
    {
        if (request.User is not { } input)
        {
            return ApiErrors.Invalid("user", "can't be blank");
        }

        var errors = new ValidationErrors();
        var username = UserRules.Username(errors, input.Username);
        var email = UserRules.Email(errors, input.Email);
        var password = UserRules.NewPassword(errors, input.Password);
        if (errors.Any)
        {
            return ApiErrors.Invalid(errors);
        }

        var user = new User { Username = username, Email = email, PasswordHash = services.Passwords.Hash(password) };
        services.Db.Users.Add(user);
        try
        {
            await services.Db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (exception.UniqueViolation() is { } constraint)
        {
            // Also covers two registrations racing for the same name: the unique index decides, not a prior SELECT.
            return ApiErrors.Conflict(constraint == ConstraintNames.UsersEmail ? "email" : "username");
        }

        await services.Reads.RecordWriteAsync(user.Id, cancellationToken);
        var view = new UserView(user.Email, services.Tokens.Issue(user.Id, user.Username), user.Username, user.Bio, user.Image);
        return TypedResults.Created($"/api/profiles/{Uri.EscapeDataString(user.Username)}", new UserEnvelope(view));
    }

    // Every attempt is counted (per account and per address, LoginProtection) before anything else is looked at; past the
    // limits the answer is 429 without a database query or a password check, so a right guess made during a lock is not
    // told apart from a wrong one. A wrong password and an unknown email give the same 401 in the same time.
    public static async Task<Results<Ok<UserEnvelope>, UnprocessableEntity<ErrorEnvelope>, UnauthorizedError, TooManyRequestsError>> Login(
        LoginEnvelope request, [AsParameters] UserServices services, LoginProtection protection, HttpContext http,
        CancellationToken cancellationToken)
    {
        if (request.User is not { } input)
        {
            return ApiErrors.Invalid("user", "can't be blank");
        }

        var errors = new ValidationErrors();
        var email = errors.Required("email", input.Email, Limits.Email).ToLowerInvariant();
        // Not UserRules.Password: rules for new passwords may tighten without locking out accounts made before.
        var password = string.IsNullOrWhiteSpace(input.Password) ? "" : errors.MaxLength("password", input.Password, Limits.Password);
        if (password.Length == 0)
        {
            errors.Add("password", "can't be blank");
        }

        if (errors.Any)
        {
            return ApiErrors.Invalid(errors);
        }

        var attempt = await protection.AttemptAsync(email, http);
        if (!attempt.Allowed)
        {
            return new TooManyRequestsError("login", "too many failed attempts", attempt.RetryAfter);
        }

        // The primary, always: a login right after registering must not miss the new account on a lagging replica.
        var account = await services.Db.Users
            .Where(u => u.Email == email)
            .Select(u => new { u.Id, u.Email, u.Username, u.Bio, u.Image, u.PasswordHash })
            .SingleOrDefaultAsync(cancellationToken);
        if (!services.Passwords.Verify(account?.PasswordHash, password) || account is null)
        {
            return ApiErrors.Unauthorized("credentials", "invalid");
        }

        await protection.SucceededAsync(attempt);
        var view = new UserView(account.Email, services.Tokens.Issue(account.Id, account.Username), account.Username, account.Bio, account.Image);
        return TypedResults.Ok(new UserEnvelope(view));
    }

    public static async Task<Results<Ok<UserEnvelope>, UnauthorizedError>> GetCurrentUser(
        [AsParameters] UserServices services, CancellationToken cancellationToken)
    {
        var me = services.User.RequiredId();
        var view = await services.Reads.FindAsync(me, (db, ct) => FindUserAsync(db, me, ct), cancellationToken);
        return view is null ? UnknownUser() : TypedResults.Ok(new UserEnvelope(view with { Token = services.Tokens.Issue(me, view.Username) }));
    }

    public static async Task<Results<Ok<UserEnvelope>, UnprocessableEntity<ErrorEnvelope>, UnauthorizedError>> UpdateCurrentUser(
        UpdateUserEnvelope request, [AsParameters] UserServices services, CancellationToken cancellationToken)
    {
        if (request.User is not { } input)
        {
            return ApiErrors.Invalid("user", "can't be blank");
        }

        var errors = new ValidationErrors();
        var email = input.Email is null ? null : UserRules.Email(errors, input.Email);
        var username = input.Username is null ? null : UserRules.Username(errors, input.Username);
        var password = input.Password is null ? null : UserRules.NewPassword(errors, input.Password);
        var bio = UserRules.Bio(errors, input.Bio);
        var image = UserRules.Image(errors, input.Image);
        if (email is null && username is null && password is null && !input.HasBio && !input.HasImage)
        {
            errors.Add("user", "must change at least one of email, username, password, bio, image");
        }

        if (errors.Any)
        {
            return ApiErrors.Invalid(errors);
        }

        // Hashed only once the request is valid: the hash is deliberately slow, and a rejected request should not pay it.
        var passwordHash = password is null ? null : services.Passwords.Hash(password);

        var me = services.User.RequiredId();
        int updated;
        try
        {
            updated = await services.Db.Users.Where(u => u.Id == me).ExecuteUpdateAsync(user =>
            {
                if (email is not null)
                {
                    user.SetProperty(u => u.Email, email);
                }

                if (username is not null)
                {
                    user.SetProperty(u => u.Username, username);
                }

                if (passwordHash is not null)
                {
                    user.SetProperty(u => u.PasswordHash, passwordHash);
                }

                if (input.HasBio)
                {
                    user.SetProperty(u => u.Bio, bio);
                }

                if (input.HasImage)
                {
                    user.SetProperty(u => u.Image, image);
                }
            }, cancellationToken);
        }
        catch (Exception exception) when (exception.UniqueViolation() is { } constraint)
        {
            // The spec lists no 409 for PUT /user; a taken name is a validation error of that field here.
            return ApiErrors.Invalid(constraint == ConstraintNames.UsersEmail ? "email" : "username", "has already been taken");
        }

        if (updated == 0)
        {
            return UnknownUser();
        }

        var view = await services.Reads.ViewAfterWriteAsync(me, FindUser(services.Db, me), cancellationToken);
        return view is null ? UnknownUser() : TypedResults.Ok(new UserEnvelope(view with { Token = services.Tokens.Issue(me, view.Username) }));
    }

    private static IQueryable<UserView> FindUser(ConduitDbContext db, long id) =>
        db.Users
            .Where(u => u.Id == id)
            .Select(u => new UserView(u.Email, "", u.Username, u.Bio, u.Image));

    private static Task<UserView?> FindUserAsync(ConduitDbContext db, long id, CancellationToken cancellationToken) =>
        FindUser(db, id).SingleOrDefaultAsync(cancellationToken);

    // A valid token whose account no longer exists.
    private static UnauthorizedError UnknownUser() => ApiErrors.Unauthorized("token", "is invalid");
}

public sealed record UserServices(ConduitDbContext Db, ReadRouting Reads, Passwords Passwords, TokenIssuer Tokens, ClaimsPrincipal User);
