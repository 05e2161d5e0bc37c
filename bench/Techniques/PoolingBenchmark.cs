using System.Diagnostics;
using System.Globalization;
using AspireScale.Api.Articles;
using AspireScale.Api.Data;
using AspireScale.Api.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AspireScale.Bench.Techniques;

// Throughput of small reads under concurrency: C tasks, each doing what a request does (a DI scope, the context from
// it, one query, dispose), for a fixed time. Variants differ only in DbContext pooling and the Npgsql connection string.
internal static class PoolingBenchmark
{
    private delegate Task Operation(ConduitDbContext db, int worker, int iteration);

    private sealed record Variant(string Name, bool ContextPool, Action<NpgsqlConnectionStringBuilder> Npgsql);

    private sealed record LoadResult(double OpsPerSecond, double P50Ms, double P99Ms, long Errors, double CpuUsPerOp);

    public static async Task RunAsync(BenchDatabase database, BenchSettings settings)
    {
        Operation bySlug = (db, worker, i) =>
            ArticleQueries.FindAsync(db, database.Slugs[((worker * 7919) + i) % database.Slugs.Length], database.Viewer, CancellationToken.None);
        Operation page = (db, worker, i) =>
            ArticleQueries.PageAsync(db.Articles, new Paging(20, ((worker * 7) + i) % 20 * 20), database.Viewer, CancellationToken.None);

        Variant api = new("Api: context pool + Npgsql pool (defaults)", true, _ => { });
        await CompareAsync(database, settings, $"2a. Pooling: get one article by slug (ArticleQueries.FindAsync), {settings.Concurrency} concurrent tasks", bySlug,
        [
            api,
            new("no DbContext pool (AddDbContext) + Npgsql pool", false, _ => { }),
            new("context pool + Npgsql Pooling=false", true, b => b.Pooling = false),
        ], keepPoolsWarm: false);

        // How many connections the work needs: the same load through pools capped at fewer connections.
        await CompareAsync(database, settings, $"2b. Max Pool Size under {settings.Concurrency} concurrent tasks, article by slug (Api settings otherwise)", bySlug,
        [
            .. new[] { 2, 4, 8, 16 }.Select(size => new Variant($"Max Pool Size={size}", true, b => b.MaxPoolSize = size)),
            api with { Name = $"Max Pool Size=100 (default; {settings.Concurrency} in use)" },
        ], keepPoolsWarm: false);

        // Automatic preparation only starts after a statement's 5th use on a connection, and both settings act on
        // connections that live on: so these pools stay open across the rounds, capped at 8 connections each (2b's
        // sweet spot on this machine, and what keeps 4 warm pools within max_connections).
        Variant[] npgsqlSettings =
        [
            new("Max Pool Size=8, Npgsql defaults", true, b => b.MaxPoolSize = 8),
            new("+ No Reset On Close=true", true, b => { b.MaxPoolSize = 8; b.NoResetOnClose = true; }),
            new("+ Max Auto Prepare=20", true, b => { b.MaxPoolSize = 8; b.MaxAutoPrepare = 20; }),
            new("+ both", true, b => { b.MaxPoolSize = 8; b.NoResetOnClose = true; b.MaxAutoPrepare = 20; }),
        ];
        await CompareAsync(database, settings, $"2c. Npgsql settings, article by slug, {settings.Concurrency} concurrent tasks, warm pools", bySlug, npgsqlSettings, keepPoolsWarm: true);
        await CompareAsync(database, settings, $"2d. Npgsql settings, the 20-article page (ArticleQueries.PageAsync), {settings.Concurrency} concurrent tasks, warm pools", page, npgsqlSettings, keepPoolsWarm: true);

        PrintPoolArithmetic(database);
    }

    private static string CpuColumn => CpuMeter.SeesServer ? "CPU µs/op (client + PostgreSQL)" : "CPU µs/op (client only)";

    private static async Task CompareAsync(BenchDatabase database, BenchSettings settings, string title, Operation operation, Variant[] variants, bool keepPoolsWarm)
    {
        var providers = variants.Select(v => Provider(database.ConnectionString, v)).ToArray();
        try
        {
            var results = variants.Select(_ => new List<LoadResult>()).ToArray();
            for (var round = -1; round < settings.Rounds; round++)
            {
                for (var v = 0; v < variants.Length; v++)
                {
                    var result = await LoadAsync(providers[v], operation, settings.Concurrency, round < 0 ? TimeSpan.FromSeconds(keepPoolsWarm ? 1.5 : 0.5) : settings.Slice);
                    if (round >= 0)
                    {
                        results[v].Add(result);
                    }

                    // Otherwise each variant starts from no idle connections of the others (32 x variants would pass
                    // max_connections).
                    if (!keepPoolsWarm)
                    {
                        NpgsqlConnection.ClearAllPools();
                    }
                }
            }

            var baseline = Stats.Median(results[0].Select(r => r.OpsPerSecond));
            var baseCpu = Stats.Median(results[0].Select(r => r.CpuUsPerOp));
            Markdown.Table(title, ["variant", "ops/s", "p50 ms", "p99 ms", "errors", "ops/s vs first row", CpuColumn, "CPU/op vs first row"], variants.Select((variant, v) =>
            {
                var ops = Stats.Median(results[v].Select(r => r.OpsPerSecond));
                var cpu = Stats.Median(results[v].Select(r => r.CpuUsPerOp));
                return new[]
                {
                    variant.Name,
                    Stats.F(ops, "0"),
                    Stats.F(Stats.Median(results[v].Select(r => r.P50Ms)), "0.00"),
                    Stats.F(Stats.Median(results[v].Select(r => r.P99Ms)), "0.00"),
                    results[v].Sum(r => r.Errors).ToString(CultureInfo.InvariantCulture),
                    Stats.Ratio(ops / baseline),
                    Stats.F(cpu, "0"),
                    Stats.Ratio(cpu / baseCpu),
                };
            }));
        }
        finally
        {
            foreach (var provider in providers)
            {
                await provider.DisposeAsync();
            }

            NpgsqlConnection.ClearAllPools();
        }
    }

    // The registration the Api's AddPooledNpgsqlDbContext makes (pool of 1024 contexts), or plain AddDbContext.
    private static ServiceProvider Provider(string connectionString, Variant variant)
    {
        var npgsql = new NpgsqlConnectionStringBuilder(connectionString);
        variant.Npgsql(npgsql);
        var services = new ServiceCollection();
        if (variant.ContextPool)
        {
            services.AddDbContextPool<ConduitDbContext>(options => BenchDatabase.Configure(options, npgsql.ConnectionString), poolSize: 1024);
        }
        else
        {
            services.AddDbContext<ConduitDbContext>(options => BenchDatabase.Configure(options, npgsql.ConnectionString));
        }

        return services.BuildServiceProvider();
    }

    // Each slice starts from empty pools (the previous variant's connections are cleared, or PostgreSQL's
    // max_connections would run out), so the first WarmUp of it fills the pool and is not counted.
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(0.3);

    private static async Task<LoadResult> LoadAsync(ServiceProvider provider, Operation operation, int concurrency, TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        var end = WarmUp + duration;
        var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var latencies = new List<long>(4096);
            long errors = 0;
            for (var i = 0; clock.Elapsed < end; i++)
            {
                var counted = clock.Elapsed >= WarmUp;
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await using var scope = provider.CreateAsyncScope();
                    await operation(scope.ServiceProvider.GetRequiredService<ConduitDbContext>(), worker, i);
                    if (counted)
                    {
                        latencies.Add(Stopwatch.GetTimestamp() - started);
                    }
                }
                catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
                {
                    errors += counted ? 1 : 0;
                }
            }

            return (Latencies: latencies, Errors: errors);
        })).ToArray();

        await Task.Delay(WarmUp);
        var cpuBefore = CpuMeter.TotalMilliseconds();
        var done = await Task.WhenAll(workers);
        var cpu = CpuMeter.TotalMilliseconds() - cpuBefore;
        var elapsed = clock.Elapsed.TotalSeconds - WarmUp.TotalSeconds;
        var sorted = done.SelectMany(d => d.Latencies).Select(ticks => ticks * 1000.0 / Stopwatch.Frequency).Order().ToArray();
        return new LoadResult(sorted.Length / elapsed, Stats.Percentile(sorted, 50), Stats.Percentile(sorted, 99), done.Sum(d => d.Errors), cpu * 1000 / sorted.Length);
    }

    // Connections each process may open against what the server accepts, as the topology is today (2 API replicas, each
    // with a pool on the primary and one on the replica, plus the Worker; MigrationService has exited by then).
    private static void PrintPoolArithmetic(BenchDatabase database)
    {
        var usable = database.MaxConnections - database.ReservedConnections;
        var defaultMaxPool = new NpgsqlConnectionStringBuilder().MaxPoolSize;
        Markdown.Table("2e. Connections: what the pools may open vs what PostgreSQL accepts (per server)",
            ["", "primary (conduit)", "replica (conduit-read)"],
            [
                ["PostgreSQL max_connections - superuser_reserved_connections", usable.ToString(CultureInfo.InvariantCulture), usable.ToString(CultureInfo.InvariantCulture)],
                [$"today: Npgsql Max Pool Size {defaultMaxPool} per process", $"{3 * defaultMaxPool} (2 api + worker)", $"{2 * defaultMaxPool} (2 api)"],
            ]);
    }
}
