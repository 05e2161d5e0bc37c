using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

// A pooled context over ConnectionStrings:<name> with our measured pool size and connection-string tuning, then
// Aspire.Npgsql.EntityFrameworkCore.PostgreSQL's EnrichNpgsqlDbContext for the rest: retry on transient failures, the
// command timeout, the health check, Npgsql's traces and metrics. Its AddNpgsqlDbContext cannot take ours: it fixes the
// pool at EF's default 1,024 contexts and leaves the connection string as given.
public static class NpgsqlExtensions
{
    public static void AddPooledNpgsqlDbContext<TContext>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<NpgsqlDbContextSettings>? configureSettings = null,
        Action<DbContextOptionsBuilder>? configureDbContextOptions = null)
        where TContext : DbContext
    {
        var settings = builder.GetNpgsqlDbContextSettings(connectionName);
        configureSettings?.Invoke(settings);

        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{connectionName} is missing. Set ConnectionStrings__{connectionName} (the AppHost does).");
        }

        connectionString = settings.Tune(connectionString);
        builder.Services.AddDbContextPool<TContext>(options =>
        {
            options.UseNpgsql(connectionString);
            configureDbContextOptions?.Invoke(options);
        }, settings.PoolSize);

        builder.EnrichNpgsqlDbContext<TContext>(aspire =>
        {
            aspire.DisableRetry = settings.DisableRetry;
            aspire.CommandTimeout = settings.CommandTimeoutSeconds;
            aspire.DisableHealthChecks = settings.DisableHealthChecks;
            aspire.DisableTracing = settings.DisableTracing;
        });
    }

    // The settings of Npgsql:<name>, with the service's name as the connection's application name unless they give one.
    // AddPooledNpgsqlDbContext reads them here, and so does a context registered on its own (the Api's replica context).
    public static NpgsqlDbContextSettings GetNpgsqlDbContextSettings(this IHostApplicationBuilder builder, string connectionName)
    {
        var settings = new NpgsqlDbContextSettings();
        builder.Configuration.GetSection($"Npgsql:{connectionName}").Bind(settings);
        settings.ApplicationName ??= builder.Environment.ApplicationName;
        return settings;
    }
}

// Section Npgsql:<connection name>. Sizes measured with bench/techniques/run.sh; the reasoning is in docs/techniques.md.
public sealed class NpgsqlDbContextSettings
{
    // DbContext instances kept for reuse. A context beyond the pool is built from scratch (bench: 0.35x throughput), so
    // this is sized for the peak in flight, not for the connections: contexts wait for a connection, not the reverse.
    public int PoolSize { get; set; } = 128;

    // Npgsql's Maximum Pool Size, unless the connection string sets it. Null keeps Npgsql's 100. Services set theirs from
    // their concurrency (Api and Worker appsettings.json).
    public int? MaxPoolSize { get; set; }

    // Npgsql's automatic preparation of the statements a connection runs most, unless the connection string sets it (a
    // connection through PgBouncer in transaction mode sets 0: server-side prepared statements do not survive it).
    public int MaxAutoPrepare { get; set; } = 20;

    // Npgsql's No Reset On Close, unless the connection string sets it. Off by default: the reset (RESET ALL, DISCARD TEMP,
    // unlock advisory locks...) keeps one user's session state from reaching the next. A service that keeps no session
    // state turns it on: the reset is a statement PostgreSQL parses and runs on every return of a connection to the pool.
    public bool NoResetOnClose { get; set; }

    // Npgsql's Multiplexing, unless the connection string sets it: the commands of many requests share a few connections
    // and go out in one write each. Off by default, and no service turns it on: an error in one pipelined command failed
    // other requests' commands on the same connection (docs/techniques.md, Pool sizes).
    public bool Multiplexing { get; set; }

    // Npgsql's Application Name, unless the connection string sets it: the service's name (AddPooledNpgsqlDbContext fills it),
    // so pg_stat_activity tells which service holds which connections.
    public string? ApplicationName { get; set; }

    public int CommandTimeoutSeconds { get; set; } = 30;
    public bool DisableRetry { get; set; }
    public bool DisableHealthChecks { get; set; }
    public bool DisableTracing { get; set; }

    // What the connection string says wins: it is the deployment's word (the AppHost, Azure), these are the service's defaults.
    public string Tune(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        var tuned = new NpgsqlConnectionStringBuilder(connectionString);
        if (MaxPoolSize is { } max && !given.ContainsKey("Maximum Pool Size") && !given.ContainsKey("Max Pool Size") && !given.ContainsKey("MaxPoolSize"))
        {
            tuned.MaxPoolSize = max;
            tuned.MinPoolSize = Math.Min(tuned.MinPoolSize, max);
        }

        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            tuned.MaxAutoPrepare = MaxAutoPrepare;
        }

        if (NoResetOnClose && !given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            tuned.NoResetOnClose = true;
        }

        if (Multiplexing && !given.ContainsKey("Multiplexing"))
        {
            tuned.Multiplexing = true;
        }

        if (!string.IsNullOrEmpty(ApplicationName) && !given.ContainsKey("Application Name") && !given.ContainsKey("ApplicationName"))
        {
            tuned.ApplicationName = ApplicationName;
        }

        return tuned.ConnectionString;
    }
}
