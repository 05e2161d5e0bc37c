using Microsoft.AspNetCore.OutputCaching;

namespace AspireScale.Api.Caching;

public static class CachingExtensions
{
    private const string CacheConnection = "cache";

    // Output cache in Redis (shared by every replica) when ConnectionStrings:cache is set, in memory otherwise, behind
    // ResilientOutputCacheStore; surrogate keys for the caches in front; HybridCache for hot reference data (in process
    // only, see ReferenceData); HTTP caching headers; Brotli/gzip compression. Settings: section "Caching".
    public static IHostApplicationBuilder AddConduitCaching(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CachingOptions>().BindConfiguration(CachingOptions.Section);
        builder.Services.AddSingleton<ConduitOutputCachePolicy>();
        void Configure(OutputCacheOptions options)
        {
            options.UseCaseSensitivePaths = true;
            options.SizeLimit = 256L * 1024 * 1024;
        }

        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(CacheConnection)))
        {
            builder.AddRedisOutputCache(CacheConnection, Configure);
            builder.Services.AddSingleton<RedisTagEviction>();
        }
        else
        {
            builder.Services.AddOutputCache(Configure);
        }

        builder.Services.AddOptions<OutputCacheOptions>().Configure<ConduitOutputCachePolicy>(
            (options, policy) => options.AddBasePolicy(policy));
        DecorateStore(builder.Services);
        builder.Services.AddSingleton(sp => new SurrogateKeys(sp.GetService<StackExchange.Redis.IConnectionMultiplexer>()));
        builder.Services.AddHybridCache();
        builder.Services.AddSingleton<ReferenceData>();
        builder.Services.AddConduitCompression();
        return builder;
    }

    // Outermost first: compression (and its per-encoding ETags), then write invalidation, the output cache, HTTP caching.
    public static WebApplication UseConduitCaching(this WebApplication app)
    {
        var options = app.Configuration.GetSection(CachingOptions.Section).Get<CachingOptions>() ?? new CachingOptions();
        if (options.Compression)
        {
            app.UseMiddleware<EncodedEtags>();
            app.UseResponseCompression();
        }

        if (options.WriteInvalidation)
        {
            app.UseMiddleware<WriteInvalidation>();
        }

        app.UseOutputCache();
        app.UseMiddleware<HttpCaching>();
        return app;
    }

    // Whatever registered IOutputCacheStore (Redis or memory) ends up inside ResilientOutputCacheStore.
    private static void DecorateStore(IServiceCollection services)
    {
        var registered = services.Last(d => d.ServiceType == typeof(IOutputCacheStore));
        services.Remove(registered);
        services.AddSingleton(sp =>
        {
            var inner = registered switch
            {
                { ImplementationInstance: IOutputCacheStore instance } => instance,
                { ImplementationFactory: { } factory } => (IOutputCacheStore)factory(sp),
                _ => (IOutputCacheStore)ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!),
            };
            return ActivatorUtilities.CreateInstance<ResilientOutputCacheStore>(sp, inner);
        });
        services.AddSingleton<IOutputCacheStore>(sp => sp.GetRequiredService<ResilientOutputCacheStore>());
    }
}
