using System.Net;
using AspireScale.AppHost.Hosting;
using AspireScale.AppHost.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;

namespace AspireScale.AppHost.Gateway;

// The load balancer in front of the API replicas: YARP in this process on 127.0.0.1. Balancing is per request; YARP's
// active checks probe /health and its passive checks eject a replica whose requests fail; destinations follow the
// replicas our supervisors report healthy (a replica that restarts comes back on a new port). Anonymous reads the Api
// marks public are answered from the balancer's own response cache when it is on (GatewayResponseCaching).
public sealed class GatewayHost : IAsyncDisposable
{
    private const string RouteId = "all";
    private readonly WebApplication _app;
    private readonly InMemoryConfigProvider _config;
    private readonly GatewayResource _gateway;
    private readonly HostingContext _context;
    private readonly Lock _gate = new();
    private readonly GatewayPurgeSubscriber? _purges;
    private IReadOnlyDictionary<string, string> _destinations = new Dictionary<string, string>();

    private GatewayHost(HostingContext context, GatewayResource gateway)
    {
        _context = context;
        _gateway = gateway;

        // Content root = our own folder: an appsettings.json in whatever folder we were started from is not ours.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ReplicaLogLoggerProvider(context.LogFor(gateway.Name)));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, gateway.Port);
            kestrel.Limits.MaxRequestBodySize = gateway.MaxRequestBodyBytes;
        });
        builder.Services.AddReverseProxy().LoadFromMemory([Route()], [Cluster(new Dictionary<string, string>())]);

        _app = builder.Build();
        var cache = context.Options.GatewayCache && PurgeChannel(gateway) is not null ? new GatewayCache(context.Time) : null;
        if (cache is not null)
        {
            _purges = new GatewayPurgeSubscriber(cache, _app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway.Cache"));
        }

        _app.UseRequestBodyLimit(gateway.MaxRequestBodyBytes);
        _app.UseGatewayResponseCaching(cache, _purges);
        _app.MapReverseProxy(proxy =>
        {
            proxy.UseOversizedBodyAnswer(gateway.MaxRequestBodyBytes);
            // Retry wraps load balancing, so a retried request is balanced again over the replicas that have not failed it.
            proxy.UseRetryOfIdempotentRequests();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        _config = _app.Services.GetRequiredService<InMemoryConfigProvider>();
    }

    public static async Task<GatewayHost> StartAsync(HostingContext context, GatewayResource gateway, CancellationToken cancellationToken)
    {
        var host = new GatewayHost(context, gateway);
        context.Notifications.Changed += host.OnReplicaChanged;
        host.UpdateDestinations();
        if (host._purges is not null)
        {
            await host._purges.StartAsync(PurgeChannel(gateway)!.GetConnectionString());
        }

        await host._app.StartAsync(cancellationToken);
        context.Notifications.Update(gateway.Name, s => s with
        {
            State = ReplicaState.Running,
            Health = ReplicaHealth.Healthy,
            Pid = Environment.ProcessId,
            Endpoint = $"http://127.0.0.1:{gateway.Port}",
        });
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        _context.Notifications.Changed -= OnReplicaChanged;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
        if (_purges is not null)
        {
            await _purges.DisposeAsync();
        }

        _context.Notifications.Update(_gateway.Name, s => s with { State = ReplicaState.Stopped, Health = ReplicaHealth.Unknown });
    }

    // The Redis the routed project publishes its purges on (the cache is off without one: it could not stay coherent).
    private static RedisResource? PurgeChannel(GatewayResource gateway) => gateway.Target.References.OfType<RedisResource>().FirstOrDefault();

    private void OnReplicaChanged(ReplicaSnapshot snapshot)
    {
        if (snapshot.Resource == _gateway.Target.Name)
        {
            UpdateDestinations();
        }
    }

    private void UpdateDestinations()
    {
        lock (_gate)
        {
            var current = _context.Notifications.Snapshot()
                .Where(s => s.Resource == _gateway.Target.Name && s is { State: ReplicaState.Running, Health: ReplicaHealth.Healthy, Endpoint: not null })
                // Keyed by replica and address: a replica back on a new port is a new destination, with none of the
                // passive-health penalty its dead predecessor earned.
                .ToDictionary(s => $"{s.Id}@{s.Endpoint}", s => s.Endpoint!);
            if (current.Count == _destinations.Count && current.All(d => _destinations.GetValueOrDefault(d.Key) == d.Value))
            {
                return;
            }

            _destinations = current;
            _config.Update([Route()], [Cluster(current)]);
        }
    }

    private RouteConfig Route() => new()
    {
        RouteId = RouteId,
        ClusterId = _gateway.Target.Name,
        Match = new RouteMatch { Path = "{**catch-all}" },
    };

    private ClusterConfig Cluster(IReadOnlyDictionary<string, string> destinations) => new()
    {
        ClusterId = _gateway.Target.Name,
        LoadBalancingPolicy = _context.Options.Balancing.ToYarpPolicy(),
        HealthCheck = new HealthCheckConfig
        {
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true,
                Interval = TimeSpan.FromSeconds(5),
                Timeout = TimeSpan.FromSeconds(3),
                Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                Path = "/health",
            },
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true,
                Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate,
                ReactivationPeriod = TimeSpan.FromSeconds(10),
            },
            AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
        },
        // Kestrel takes header values in UTF-8; the client's default, ASCII only, would fail such a request with a 502,
        // retry it on every replica and count it against their health.
        HttpClient = new HttpClientConfig { RequestHeaderEncoding = "utf-8" },
        Destinations = destinations.ToDictionary(d => d.Key, d => new DestinationConfig { Address = d.Value }),
    };
}
