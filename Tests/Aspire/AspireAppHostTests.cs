extern alias apphost;

using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using AspireScale.Tests.Infrastructure;
using AspireScale.Tests.Topology;
using Npgsql;

namespace AspireScale.Tests.Aspire;

// The Aspire AppHost on Aspire.Hosting.Testing, in local-process mode: DCP runs PostgreSQL and its
// streaming replica, Redis, RabbitMQ, the migrations, two API replicas and the Worker from the OS packages.
[Collection(OwnTopology.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AspireAppHostTests
{
    [Fact]
    public async Task TheWholeTopologyRunsOnLocalProcessesAKilledApiReplicaComesBackAndStoppingLeavesNothingBehind()
    {
        var data = Path.Combine(Path.GetTempPath(), $"aspirescale-aspire-{Guid.NewGuid():N}"[..32]);
        var builder = await global::Aspire.Hosting.Testing.DistributedApplicationTestingBuilder.CreateAsync<apphost::Projects.AppHost>(
            ["--data", data, "--replicas", "2", "--backing-services", "processes", .. SuiteSettings.AsEnvironment().Select(e => $"--{e.Key.Replace("__", ":", StringComparison.Ordinal)}={e.Value}")],
            (options, _) => options.DisableDashboard = true);
        try
        {
            await using var app = await builder.BuildAsync();
            using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            await app.StartAsync(startup.Token);
            foreach (var resource in new[] { "postgres", "postgres-replica", "conduit", "conduit-read", "cache", "messaging", "api-0", "api-1", "worker", "gateway" })
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, startup.Token);
            }

            await app.ResourceNotifications.WaitForResourceAsync("migrations", KnownResourceStates.Finished, startup.Token);

            // Aspire's own connection strings: the read side is a hot standby of the primary's database.
            Assert.True(await ScalarAsync<bool>(await app.GetConnectionStringAsync("conduit-read", startup.Token), "SELECT pg_is_in_recovery()"));
            Assert.False(await ScalarAsync<bool>(await app.GetConnectionStringAsync("conduit", startup.Token), "SELECT pg_is_in_recovery()"));

            // A user registered on one replica signs in on the other: one database and one signing key for all replicas.
            using var first = app.CreateHttpClient("api-0");
            using var second = app.CreateHttpClient("api-1");
            var name = $"aspire{Guid.NewGuid():N}"[..20];
            using (var register = await first.PostAsJsonAsync("/api/users", new { user = new { username = name, email = $"{name}@example.com", password = "correct horse battery" } }))
            {
                Assert.Equal(HttpStatusCode.Created, register.StatusCode);
            }

            using (var login = await second.PostAsJsonAsync("/api/users/login", new { user = new { email = $"{name}@example.com", password = "correct horse battery" } }))
            {
                Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            }

            // Through the gateway, which balances per request over both replicas it found by service discovery.
            using (var gateway = app.CreateHttpClient("gateway"))
            {
                var instances = new HashSet<string>();
                for (var i = 0; i < 20 && instances.Count < 2; i++)
                {
                    // Never cached anywhere: each answer is a replica's own.
                    using var anonymous = await gateway.GetAsync("/api/user");
                    Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
                    instances.Add(anonymous.Headers.GetValues("X-Instance").Single());
                }

                Assert.Equal(2, instances.Count);
            }

            // A killed API replica is started again by the AppHost (DCP alone leaves it exited) and serves again.
            var killed = await PidAsync(app, "api-0", startup.Token);
            Process.GetProcessById(killed).Kill(entireProcessTree: true);
            using var recovery = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await app.ResourceNotifications.WaitForResourceAsync("api-0", e => e.Snapshot.State?.Text == KnownResourceStates.Running
                && e.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
                && PidOf(e.Snapshot) is { } pid && pid != killed, recovery.Token);
            using (var again = app.CreateHttpClient("api-0"))
            using (var login = await again.PostAsJsonAsync("/api/users/login", new { user = new { email = $"{name}@example.com", password = "correct horse battery" } }))
            {
                Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            }

            Assert.NotEmpty(ProcessInspector.ProcessesMentioning(data));

            await app.StopAsync(CancellationToken.None);
        }
        finally
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (ProcessInspector.ProcessesMentioning(data).Count > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }

            Assert.Empty(ProcessInspector.ProcessesMentioning(data));
            TryDelete(data);
        }
    }

    private static async Task<int> PidAsync(DistributedApplication app, string resource, CancellationToken cancellationToken)
    {
        var running = await app.ResourceNotifications.WaitForResourceAsync(resource, e => PidOf(e.Snapshot) is not null, cancellationToken);
        return PidOf(running.Snapshot)!.Value;
    }

    private static int? PidOf(CustomResourceSnapshot snapshot) =>
        snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } value && int.TryParse(value.ToString(), out var pid) ? pid : null;

    private static async Task<T> ScalarAsync<T>(string? connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
