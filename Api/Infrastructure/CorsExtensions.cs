using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AspireScale.Api.Infrastructure;

// Browser front ends are served from another origin (README, "The API"). Cors:Origins narrows it; any origin by default,
// which is safe here because auth is a header token, never a cookie.
public static class CorsExtensions
{
    public static IHostApplicationBuilder AddConduitCors(this IHostApplicationBuilder builder)
    {
        var origins = builder.Configuration.GetSection("Cors:Origins").Get<string[]>() ?? [];
        builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy =>
        {
            _ = origins.Length > 0 ? policy.WithOrigins(origins) : policy.AllowAnyOrigin();
            policy.AllowAnyHeader().AllowAnyMethod().WithExposedHeaders(InstanceIdentity.HeaderName);
        }));
        return builder;
    }

    // Shared caches (the balancer's, a CDN) key a read by its URL, not its Origin, and CORS answers only requests that
    // carry one: an answer stored from a request without Origin would reach a browser without Access-Control-Allow-Origin,
    // and the browser would refuse it. So with any origin allowed every answer says so; with a list of origins every
    // answer says it varies by Origin, which the balancer's cache then does not store (a CDN may key by it).
    public static WebApplication UseConduitCors(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<CorsOptions>>().Value;
        var policy = options.GetPolicy(options.DefaultPolicyName) ?? throw new InvalidOperationException("No default CORS policy.");
        var exposed = string.Join(", ", policy.ExposedHeaders);
        Func<object, Task> everyAnswer = policy.AllowAnyOrigin
            ? state =>
            {
                var headers = ((HttpResponse)state).Headers;
                headers.AccessControlAllowOrigin = "*";
                headers.AccessControlExposeHeaders = exposed;
                return Task.CompletedTask;
            }
            : static state =>
            {
                ((HttpResponse)state).Headers.Append(HeaderNames.Vary, HeaderNames.Origin);
                return Task.CompletedTask;
            };

        app.UseCors();
        app.Use((context, next) =>
        {
            // At send time, as CORS itself does: the exception handler clears headers set before it.
            context.Response.OnStarting(everyAnswer, context.Response);
            return next(context);
        });
        return app;
    }
}
