using AspireScale.Api.Infrastructure;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace AspireScale.Api.Auth;

// JWTs in the spec's "Authorization: Token <jwt>" header (not Bearer), signed with Jwt:SigningKey.
public static class AuthExtensions
{
    public const string Scheme = "Token";
    private const string Prefix = "Token ";

    public static IHostApplicationBuilder AddConduitAuth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<JwtOptions>()
            .BindConfiguration(JwtOptions.Section)
            .ValidateDataAnnotations()
            .Validate(jwt => jwt.HasUsableSigningKey(), "Jwt:SigningKey must be base64 of at least 32 bytes (set Jwt__SigningKey).")
            .ValidateOnStart();

        builder.Services.AddAuthentication(Scheme).AddJwtBearer(Scheme);
        builder.Services.AddOptions<JwtBearerOptions>(Scheme).Configure<IOptions<JwtOptions>>(ConfigureBearer);
        builder.Services.AddAuthorization();
        builder.Services.AddSingleton<TokenIssuer>();
        builder.Services.AddSingleton<Passwords>();
        builder.Services.AddOptions<LoginProtectionOptions>()
            .BindConfiguration(LoginProtectionOptions.Section)
            .Validate(login => login.Account.Limit > 0 && login.Address.Limit > 0 && login.Account.Window > TimeSpan.Zero
                && login.Address.Window > TimeSpan.Zero && login.Lockout > TimeSpan.Zero && login.MaxLockout >= login.Lockout,
                "LoginProtection: limits and windows must be positive and MaxLockout at least Lockout.")
            .ValidateOnStart();
        // Redis when ConnectionStrings:cache is set (shared by the replicas), else this process's counts alone.
        builder.Services.AddSingleton(services => new LoginProtection(
            services.GetRequiredService<IOptionsMonitor<LoginProtectionOptions>>(),
            services.GetRequiredService<ILogger<LoginProtection>>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetService<StackExchange.Redis.IConnectionMultiplexer>()));
        return builder;
    }

    // An Authorization header that does not authenticate is rejected even where auth is optional: the client believes it
    // is signed in, and answering anonymously would hide that from it.
    public static RouteGroupBuilder RejectInvalidTokens(this RouteGroupBuilder group) =>
        group.ProducesErrors(StatusCodes.Status401Unauthorized).AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (http.Request.Headers.Authorization.Count > 0 && http.User.Identity?.IsAuthenticated != true)
            {
                return ApiErrors.Unauthorized("token", "is invalid");
            }

            return await next(context);
        });

    private static void ConfigureBearer(JwtBearerOptions bearer, IOptions<JwtOptions> options)
    {
        var jwt = options.Value;
        bearer.MapInboundClaims = false;
        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = jwt.Issuer,
            ValidAudience = jwt.Audience,
            IssuerSigningKey = new SymmetricSecurityKey(jwt.SigningKeyBytes),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = TimeSpan.FromSeconds(30),
        };
        bearer.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                string? header = context.Request.Headers.Authorization;
                if (header is null)
                {
                    context.NoResult();
                }
                else if (header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
                {
                    context.Token = header[Prefix.Length..].Trim();
                }
                else
                {
                    context.Fail("The Authorization header must use the Token scheme.");
                }

                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                context.Response.Headers.WWWAuthenticate = Scheme;
                var missing = context.AuthenticateFailure is null && context.Request.Headers.Authorization.Count == 0;
                await ErrorHandling.WriteApiErrorAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "token", missing ? "is missing" : "is invalid");
            },
            OnForbidden = context => ErrorHandling.WriteApiErrorAsync(context.HttpContext, StatusCodes.Status403Forbidden, "resource", "forbidden"),
        };
    }
}
