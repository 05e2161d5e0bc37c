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
        }

        // Concurrent writes from both replicas, each a transaction that may land on any server connection.
        var conduit = new ConduitClient(app.CreateHttpClient());
        var author = await conduit.RegisterAsync("pooled");
        var slug = (await conduit.CreateArticleAsync(author, tags: ["pooled"])).Str("slug");
        var readers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => conduit.RegisterAsync("reader")));
        await Task.WhenAll(readers.Select(reader => conduit.FavoriteAsync(reader, slug)));
        var article = (await conduit.GetOkAsync($"/api/articles/{slug}", author.Token)).GetProperty("article");
        Assert.Equal(readers.Length, article.GetProperty("favoritesCount").GetInt32());

        // PgBouncer's admin console: the clients are pooled in transaction mode onto at most the configured servers.
        var admin = new NpgsqlConnectionStringBuilder(app.GetConnectionString("postgres-admin"))
        {
            Port = pooler.Port,
            Database = "pgbouncer",
            Pooling = false,
        };
        // The admin console speaks only its SHOW commands: no type loading on open.
        var adminSource = new NpgsqlDataSourceBuilder(admin.ConnectionString);
        adminSource.ConfigureTypeLoading(types => types.EnableTypeLoading(false));
        await using var dataSource = adminSource.Build();
        await using var connection = await dataSource.OpenConnectionAsync(timeout.Token);
        await using var command = new NpgsqlCommand("SHOW POOLS", connection) { AllResultTypesAreUnknown = true };
        await using var reader = await command.ExecuteReaderAsync(timeout.Token);
        var found = false;
        while (await reader.ReadAsync(timeout.Token))
        {
            if (reader.GetString(reader.GetOrdinal("database")) != "conduit")
            {
                continue;
            }

            found = true;
            Assert.Equal("transaction", reader.GetString(reader.GetOrdinal("pool_mode")));
            var clients = int.Parse(reader.GetString(reader.GetOrdinal("cl_active")), System.Globalization.CultureInfo.InvariantCulture)
                + int.Parse(reader.GetString(reader.GetOrdinal("cl_waiting")), System.Globalization.CultureInfo.InvariantCulture);
            var servers = new[] { "sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login" }
                .Sum(column => int.Parse(reader.GetString(reader.GetOrdinal(column)), System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(clients > 0, $"no client connections in PgBouncer's conduit pool ({clients})");
            Assert.InRange(servers, 1, 20);
        }

        Assert.True(found, "SHOW POOLS has no conduit pool");
    }
}
