using System.Security.Cryptography;
using AspireScale.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AspireScale.Tests.Api.Infrastructure;

// The Api in-process, wired to the shared topology's real PostgreSQL (primary and replica), Redis and RabbitMQ.
// The topology's migrations step has already created the schema. Settings, if any, go on top (e.g. "Cors:Origins:0").
public sealed class ConduitApiFactory(RunningAppHost topology, params (string Key, string Value)[] settings) : WebApplicationFactory<Program>
{
    private static readonly string[] ConnectionNames = ["conduit", "conduit-read", "cache", "messaging"];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // UseSetting (host configuration) rather than ConfigureAppConfiguration: Program reads connection strings
        // while it registers services, before app configuration callbacks would apply.
        foreach (var name in ConnectionNames)
        {
            builder.UseSetting($"ConnectionStrings:{name}", topology.GetConnectionString(name));
        }

        // Its connections are named apart from the replicas' ("Api"), which tests count on the servers. EF keeps the
        // pools of every in-process Api for the whole test run.
        builder.UseSetting("Npgsql:conduit:ApplicationName", "Api (in-process test)");
        builder.UseSetting("Npgsql:conduit-read:ApplicationName", "Api (in-process test)");

        // A key of its own: tokens issued here are only valid here, which is all in-process tests need.
        builder.UseSetting("Jwt:SigningKey", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        foreach (var (key, value) in SuiteSettings.Values.Select(s => (s.Key, s.Value)).Concat(settings))
        {
            builder.UseSetting(key, value);
        }

        builder.UseEnvironment("Development");
    }
}

// One in-process Api per test class, created on first use because it needs the collection's topology.
public sealed class InProcessApi : IAsyncLifetime
{
    private readonly Lock gate = new();
    private ConduitApiFactory? factory;

    public ConduitApiFactory For(RunningAppHost topology)
    {
        lock (gate)
        {
            return factory ??= new ConduitApiFactory(topology);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (factory is not null)
        {
            await factory.DisposeAsync();
        }
    }
}
