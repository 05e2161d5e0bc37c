using AspireScale.Api.Data.CompiledModel;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace AspireScale.Api.Data;

public static class DataExtensions
{
    private const string PrimaryConnection = "conduit";
    private const string ReplicaConnection = "conduit-read";
    private const string CacheConnection = "cache";

    public static IHostApplicationBuilder AddConduitData(this IHostApplicationBuilder builder)
    {
        builder.AddPooledNpgsqlDbContext<ConduitDbContext>(PrimaryConnection, configureDbContextOptions: QuietExpectedFailures);
        var hasReplica = builder.AddReplicaDbContext();

        // Without Redis (a single process, some tests) read-your-writes still holds within this process.
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(CacheConnection)))
        {
            // Its health check reports Degraded (still 200): Redis only carries read-your-writes positions here, which fall
            // back to this process's memory.
            builder.AddRedisConnection(CacheConnection);
        }

        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(services => new ReplicaState(services.GetRequiredService<TimeProvider>(), hasReplica));
        builder.Services.AddSingleton<WriteLsnStore>();
        builder.Services.AddScoped<ReadRouting>();
        return builder;
    }

    // No health check: a replica that is down must not take the API out of rotation, reads fall back to the primary.
    // No retries and a short connect timeout: a failing replica should cost one quick failure, not a backoff.
    private static bool AddReplicaDbContext(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ReplicaConnection);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return false;
        }

        var settings = builder.GetNpgsqlDbContextSettings(ReplicaConnection);
        var replica = new NpgsqlConnectionStringBuilder(settings.Tune(connectionString));
        replica.Timeout = Math.Min(replica.Timeout, 3);
        builder.Services.AddDbContextPool<ConduitReadDbContext>(options => options
            // The primary's compiled model is found by its context type; this twin is another type, so it is named here.
            .UseModel(ConduitDbContextModel.Instance)
            .UseNpgsql(replica.ConnectionString, npgsql => npgsql.CommandTimeout(10))
            .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking)
            .ConfigureWarnings(QuietExpectedFailures), settings.PoolSize);
        return true;
    }

    // Unique violations (a taken name, a slug collision retried with a suffix) are expected and answered 409/422; EF would
    // log each as an error. Real failures still surface: they reach the exception handler, which logs them with the request.
    private static void QuietExpectedFailures(DbContextOptionsBuilder options) => options.ConfigureWarnings(QuietExpectedFailures);

    private static void QuietExpectedFailures(WarningsConfigurationBuilder warnings) => warnings.Log(
        (RelationalEventId.CommandError, LogLevel.Debug),
        (CoreEventId.SaveChangesFailed, LogLevel.Debug),
        (CoreEventId.QueryIterationFailed, LogLevel.Debug));
}
