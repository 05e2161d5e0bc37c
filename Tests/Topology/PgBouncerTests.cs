using System.Diagnostics;
using System.Globalization;
using AspireScale.Tests.Api.Infrastructure;
using AspireScale.Tests.Infrastructure;
using Npgsql;

namespace AspireScale.Tests.Topology;

// --pgbouncer puts PgBouncer (transaction pooling) between the services and the primary under the same connection name.
[Collection(OwnTopology.Name)]
public sealed class PgBouncerTests
{
    [Fact]
    public async Task WithPgBouncerTheServicesWriteThroughItInTransactionModeAndMigrationsStayDirect()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await using var app = await DistributedApplicationTestingBuilder.Create("--replicas", "2", "--pgbouncer").StartAsync(timeout.Token);
        Assert.True(app.Manifest.Resource("pgbouncer").IsHealthy, app.Diagnostics());

        // The services' ConnectionStrings__conduit is the pooler's; the migrator's is the primary's.
        var pooler = new NpgsqlConnectionStringBuilder(app.GetConnectionString("pgbouncer"));
        var primary = new NpgsqlConnectionStringBuilder(app.GetConnectionString("conduit"));
        Assert.NotEqual(primary.Port, pooler.Port);
        foreach (var id in new[] { "api-0", "api-1", "worker" })
        {
            var pid = app.Manifest.Replica(id).Pid ?? throw new InvalidOperationException($"{id} has no pid");
            var env = new NpgsqlConnectionStringBuilder(ProcessInspector.Environment(pid)["ConnectionStrings__conduit"]);
            Assert.Equal(pooler.Port, env.Port);
            // Transaction pooling carries no prepared statement from one transaction to the next (PgBouncer 1.18).
            Assert.Equal(0, env.MaxAutoPrepare);
        }

        // Concurrent writes from both replicas, each a transaction that may land on any server connection.
        var conduit = new ConduitClient(app.CreateHttpClient());
        var author = await conduit.RegisterAsync("pooled");
        var slug = (await conduit.CreateArticleAsync(author, tags: ["pooled"])).Str("slug");
        var readers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => conduit.RegisterAsync("reader")));
        await Task.WhenAll(readers.Select(reader => conduit.FavoriteAsync(reader, slug)));
        var article = (await conduit.GetOkAsync($"/api/articles/{slug}", author.Token)).GetProperty("article");
        Assert.Equal(readers.Length, article.GetProperty("favoritesCount").GetInt32());

        // PgBouncer's admin console (simple query protocol only, so psql rather than Npgsql): the clients are pooled in
        // transaction mode onto at most the configured servers.
        var admin = new NpgsqlConnectionStringBuilder(app.GetConnectionString("postgres"));
        var psql = new ProcessStartInfo("psql", ["-h", "127.0.0.1", "-p", pooler.Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres",
            "-d", "pgbouncer", "-A", "-F", "\t", "-P", "footer=off", "-c", "SHOW POOLS"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["PGPASSWORD"] = admin.Password },
        };
        using var process = Process.Start(psql)!;
        var output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = await process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"psql SHOW POOLS failed: {errors}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split('\t');
        var found = false;
        foreach (var row in lines.Skip(1).Select(line => line.Split('\t')))
        {
            string Column(string name) => row[Array.IndexOf(header, name)];
            if (Column("database") != "conduit")
            {
                continue;
            }

            found = true;
            Assert.Equal("transaction", Column("pool_mode"));
            var clients = int.Parse(Column("cl_active"), CultureInfo.InvariantCulture) + int.Parse(Column("cl_waiting"), CultureInfo.InvariantCulture);
            var servers = new[] { "sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login" }
                .Sum(column => int.Parse(Column(column), CultureInfo.InvariantCulture));
            Assert.True(clients > 0, $"no client connections in PgBouncer's conduit pool:\n{output}");
            Assert.InRange(servers, 1, 20);
        }

        Assert.True(found, $"SHOW POOLS has no conduit pool:\n{output}");
    }
}
