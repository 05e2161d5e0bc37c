using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AspireScale.Api.Auth;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireScale.Api.RateLimiting;

// Limits every /api request with the shared Redis GCRA limiter, partitioned by the token's user id, else a known
// X-Api-Key (one configured in RateLimiting:ApiKeys), else the client IP; login and registration each have a policy of
// their own ("login", "registration"; wrong passwords are counted apart, by LoginProtection). Every limited response carries the IETF RateLimit-Policy and RateLimit headers
// (draft-ietf-httpapi-ratelimit-headers); a refusal is 429 with Retry-After. When Redis is unreachable each replica falls
// back to a local GCRA of the same limit (so N replicas admit at most N times the limit during an outage) instead of
// failing or admitting everything; after a failed call it stops asking Redis for a few seconds, so a Redis that hangs
// (rather than refusing connections) costs one timeout per replica, not one per request.
internal sealed partial class RateLimitingMiddleware(
    RequestDelegate next,
    IOptionsMonitor<RateLimitingOptions> options,
    ILogger<RateLimitingMiddleware> logger,
    TimeProvider time,
    IConnectionMultiplexer? redis = null)
{
    private const string ApiKeyHeader = "X-Api-Key";

    private readonly RedisGcraLimiter? shared = redis is null ? null : new RedisGcraLimiter(redis);
    private readonly LocalGcraLimiter local = new(time);
    private readonly Infrastructure.RedisBreaker sharedBreaker = new(time);

    public async Task InvokeAsync(HttpContext context)
    {
        var settings = options.CurrentValue;
        if (!settings.Enabled || !context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }

        var name = context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
        var (policy, limits) = name switch
        {
            "Login" => ("login", settings.Login),
            "CreateUser" => ("registration", settings.Registration),
            _ => ("general", settings.General),
        };
        // Never the token's user for login and registration: registration mints tokens, so each new account would be a new
        // registration quota.
        var partition = Partition(context, settings, byUser: policy == "general");
        var decision = await AcquireAsync(policy, partition, limits);

        var window = (int)Math.Ceiling(limits.Window.TotalSeconds);
        var policyHeader = string.Create(CultureInfo.InvariantCulture, $"\"{policy}\";q={limits.PermitLimit};w={window}");
        var quotaHeader = string.Create(CultureInfo.InvariantCulture,
            $"\"{policy}\";r={decision.Remaining};t={(int)Math.Ceiling(decision.Reset.TotalSeconds)}");

        // At send time: an output cache hit replays the headers stored with the entry, which would be someone's old quota.
        context.Response.OnStarting(static state =>
        {
            var (response, policyValue, quotaValue) = ((HttpResponse, string, string))state;
            response.Headers["RateLimit-Policy"] = policyValue;
            response.Headers["RateLimit"] = quotaValue;
            return Task.CompletedTask;
        }, (context.Response, policyHeader, quotaHeader));
        if (decision.Allowed)
        {
            await next(context);
            return;
        }

        await new TooManyRequestsError("rate limit", "exceeded", decision.RetryAfter).ExecuteAsync(context);
    }

    private async Task<RateLimitDecision> AcquireAsync(string policy, string partition, RateLimitPolicy limits)
    {
        if (shared is { IsConnected: true } && !sharedBreaker.IsOpen)
        {
            try
            {
                return await shared.AcquireAsync(policy, partition, limits);
            }
            // The script takes no request token, so a cancellation here is the connection's, not the client's.
            catch (Exception exception) when (RedisFailures.IsUnavailable(exception))
            {
                sharedBreaker.Open(options.CurrentValue.RedisBreakFor);
                LogRedisFailed(logger, exception);
            }
        }

        return local.Acquire($"{policy}:{partition}", limits);
    }

    // The token's user, else a known API key (by its hash: the key itself never becomes a Redis key), else the client
    // address. An unknown key counts as its client: were any key its own partition, a new key per request would be a new
    // quota per request.
    private static string Partition(HttpContext context, RateLimitingOptions settings, bool byUser)
    {
        if (byUser && context.User.Id() is { } userId)
        {
            return string.Create(CultureInfo.InvariantCulture, $"user:{userId}");
        }

        if (settings.ApiKeys.Count > 0 && context.Request.Headers[ApiKeyHeader] is [{ Length: > 0 } key]
            && Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))) is var hash
            && settings.ApiKeys.Contains(hash, StringComparer.OrdinalIgnoreCase))
        {
            return "key:" + hash[..32];
        }

        return "ip:" + ClientAddress.Of(context);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis rate limiter unavailable; this replica limits locally")]
    private static partial void LogRedisFailed(ILogger logger, Exception exception);
}

public static class RateLimitingExtensions
{
    public static IHostApplicationBuilder AddConduitRateLimiting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitingOptions>().BindConfiguration(RateLimitingOptions.Section);
        return builder;
    }

    // After authentication (partitions by the token's user), before the caches (a cached answer is still a request).
    public static WebApplication UseConduitRateLimiting(this WebApplication app)
    {
        app.UseMiddleware<RateLimitingMiddleware>();
        return app;
    }
}
