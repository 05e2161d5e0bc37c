namespace AspireScale.Api.Infrastructure;

// Browser front ends are served from another origin (docs/cors.md). Cors:Origins narrows it; any origin by default,
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
}
