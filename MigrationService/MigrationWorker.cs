using System.Diagnostics;
using AspireScale.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace AspireScale.MigrationService;

// Applies pending migrations once, then stops the host: exit code 0 when the schema is current, 1 when it failed.
// Safe to run twice or concurrently (a second run finds nothing to apply) and while API replicas serve traffic:
// a PostgreSQL advisory lock serialises migrators, on top of EF's own migration lock.
internal sealed partial class MigrationWorker(
    IServiceProvider services,
    IHostEnvironment environment,
    IHostApplicationLifetime lifetime,
    ILogger<MigrationWorker> logger) : BackgroundService
{
    // Any constant shared by every migrator of this database; "conduit" in ASCII.
    private const long MigrationLockKey = 0x636f6e64756974;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var activitySource = new ActivitySource(environment.ApplicationName);
        using var activity = activitySource.StartActivity("Migrating database", ActivityKind.Client);
        try
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ConduitDbContext>();
            await EnsureDatabaseAsync(db, stoppingToken);
            var applied = await MigrateUnderLockAsync(db, stoppingToken);
            activity?.SetTag("db.migrations.applied", applied.Count);
            LogMigrated(logger, applied.Count, string.Join(", ", applied));
        }
        catch (Exception exception)
        {
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            activity?.AddException(exception);
            LogFailed(logger, exception);
            Environment.ExitCode = 1;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    // The AppHost creates the database; this covers running against a bare server. Two migrators may race to create it.
    private static async Task EnsureDatabaseAsync(ConduitDbContext db, CancellationToken cancellationToken)
    {
        var creator = db.GetService<IRelationalDatabaseCreator>();
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            if (await creator.ExistsAsync(cancellationToken))
            {
                return;
            }

            try
            {
                await creator.CreateAsync(cancellationToken);
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.DuplicateDatabase)
            {
                // Another migrator created it first.
            }
        });
    }

    private static async Task<IReadOnlyList<string>> MigrateUnderLockAsync(ConduitDbContext db, CancellationToken cancellationToken)
    {
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count == 0)
        {
            return [];
        }

        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            // Session-level lock on the connection EF migrates on; released explicitly, or by PostgreSQL if we die.
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({MigrationLockKey})", cancellationToken);
            try
            {
                // Re-read under the lock: a concurrent migrator may have applied them meanwhile.
                pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
                await db.Database.MigrateAsync(cancellationToken);
                return pending;
            }
            finally
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database is up to date; applied {Count} migration(s): {Migrations}")]
    private static partial void LogMigrated(ILogger logger, int count, string migrations);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Migrating the database failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
