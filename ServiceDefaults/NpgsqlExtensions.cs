using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

// What Aspire.Npgsql.EntityFrameworkCore.PostgreSQL adds: a pooled context over ConnectionStrings:<name>,
// retry on transient failures, a command timeout, a health check, and Npgsql's tracing and metrics.
public static class NpgsqlExtensions
{
    public static void AddNpgsqlDbContext<TContext>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<NpgsqlDbContextSettings>? configureSettings = null,
        Action<DbContextOptionsBuilder>? configureDbContextOptions = null)
        where TContext : DbContext
    {
        var settings = new NpgsqlDbContextSettings();
        builder.Configuration.GetSection($"Npgsql:{connectionName}").Bind(settings);
        configureSettings?.Invoke(settings);

        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{connectionName} is missing. Set ConnectionStrings__{connectionName} (the AppHost does).");
        }

        builder.Services.AddDbContextPool<TContext>(options =>
        {
            options.UseNpgsql(connectionString, npgsql =>
            {
                if (!settings.DisableRetry)
                {
                    npgsql.EnableRetryOnFailure(settings.MaxRetryCount);
                }

                npgsql.CommandTimeout(settings.CommandTimeoutSeconds);
            });
            configureDbContextOptions?.Invoke(options);
        }, settings.PoolSize);

        if (!settings.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().AddDbContextCheck<TContext>(connectionName, tags: ["ready"]);
        }

        if (!settings.DisableTracing)
        {
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddNpgsql());
        }
    }
}

public sealed class NpgsqlDbContextSettings
{
    // EF Core's default; a replica serves at most about this many concurrent requests, see docs/techniques.md.
    public int PoolSize { get; set; } = 1024;
    public int MaxRetryCount { get; set; } = 6;
    public int CommandTimeoutSeconds { get; set; } = 30;
    public bool DisableRetry { get; set; }
    public bool DisableHealthChecks { get; set; }
    public bool DisableTracing { get; set; }
}
