using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Health;

namespace AspireScale.Gateway;

// The load balancer in front of the API replicas: YARP, balancing per request (DCP's replica proxy, like any TCP proxy,
// balances per connection, so a keep-alive client would stick to one replica). Everything comes from configuration by
// Aspire's and YARP's conventions, with today's behaviour as the defaults below:
// - destinations: ReverseProxy:Clusters:api:Destinations:<name>:Address = http://<name>, resolved by service discovery
//   from services:<name>:http:0 (the AppHost gives one per API replica, so the gateway reaches each replica itself);
// - balancing: ReverseProxy:Clusters:api:LoadBalancingPolicy; active /health probes and passive ejection: its HealthCheck;
// - the response cache for anonymous public reads (GatewayResponseCaching): Gateway:ResponseCache, purged over the Redis
//   in ConnectionStrings:cache; the request body limit (413 at the edge): Gateway:MaxRequestBodyBytes.
public static class GatewayExtensions
{
    private const string Cluster = "ReverseProxy:Clusters:api";

    private static readonly Dictionary<string, string?> Defaults = new()
    {
        ["ReverseProxy:Routes:all:ClusterId"] = "api",
        ["ReverseProxy:Routes:all:Match:Path"] = "{**catch-all}",
        [$"{Cluster}:LoadBalancingPolicy"] = "PowerOfTwoChoices",
        [$"{Cluster}:HealthCheck:Active:Enabled"] = "true",
        [$"{Cluster}:HealthCheck:Active:Interval"] = "00:00:05",
        [$"{Cluster}:HealthCheck:Active:Timeout"] = "00:00:03",
        [$"{Cluster}:HealthCheck:Active:Policy"] = "ConsecutiveFailures",
        [$"{Cluster}:HealthCheck:Active:Path"] = "/health",
        [$"{Cluster}:HealthCheck:Passive:Enabled"] = "true",
        [$"{Cluster}:HealthCheck:Passive:Policy"] = "TransportFailureRate",
        [$"{Cluster}:HealthCheck:Passive:ReactivationPeriod"] = "00:00:10",
        [$"{Cluster}:HealthCheck:AvailableDestinationsPolicy"] = "HealthyOrPanic",
        // Kestrel takes header values in UTF-8; the client's default, ASCII only, would fail such a request with a 502,
        // retry it on every replica and count it against their health.
        [$"{Cluster}:HttpClient:RequestHeaderEncoding"] = "utf-8",
    };

    public static IHostApplicationBuilder AddGateway(this IHostApplicationBuilder builder)
    {
        // First source, so appsettings.json, the environment and the command line all override it.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Defaults });
        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel =>
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);

        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddServiceDiscoveryDestinationResolver();
        // A replica comes back on its old address, so it is the same destination, with the failures that ejected it
        // still counted: with YARP's 60 s window it was ejected again after every 10 s reactivation, for a minute after
        // it was healthy. A window as long as the reactivation period forgets them by the time it is tried again.
        builder.Services.AddOptions<TransportFailureRateHealthPolicyOptions>()
            .Configure(passive => passive.DetectionWindowSize = TimeSpan.FromSeconds(10))
            .BindConfiguration($"{GatewayOptions.Section}:TransportFailureRate");
        builder.Services.AddHealthChecks().AddCheck<ReplicasHealthCheck>("replicas");

        // Without Redis the cache could not stay coherent with writes sent straight to a replica: it is off.
        var purgeChannel = builder.Configuration.GetConnectionString("cache");
        if (options.ResponseCache && !string.IsNullOrEmpty(purgeChannel))
        {
            builder.Services.AddSingleton(TimeProvider.System);
            builder.Services.AddSingleton(services => new GatewayCache(services.GetRequiredService<TimeProvider>()));
            builder.Services.AddSingleton(services => new GatewayPurgeSubscriber(
                services.GetRequiredService<GatewayCache>(), services.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway.Cache"), purgeChannel));
            builder.Services.AddHostedService(services => services.GetRequiredService<GatewayPurgeSubscriber>());
        }

        return builder;
    }

    public static WebApplication MapGateway(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value;
        var maxBodyBytes = options.MaxRequestBodyBytes;
        var cache = app.Services.GetService<GatewayCache>();
        var purges = app.Services.GetService<GatewayPurgeSubscriber>();
        // In the proxy's own pipeline, so the gateway's /health, /alive and /metrics are neither cached nor limited.
        app.MapReverseProxy(proxy =>
        {
            proxy.UseRequestBodyLimit(maxBodyBytes);
            proxy.UseGatewayResponseCaching(cache, purges);
            proxy.UseOversizedBodyAnswer(maxBodyBytes);
            proxy.UseLoadShedding(options);
            // Retry wraps load balancing, so a retried request is balanced again over the replicas that have not failed it.
            proxy.UseRetryOfIdempotentRequests();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }
}

public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    // The Api's own limit (Api/Data/Limits.RequestBodyBytes): refused at the edge, because an upstream that answers 413
    // and closes mid-upload leaves the proxy a broken pipe to report as 502.
    [System.ComponentModel.DataAnnotations.Range(1, long.MaxValue)]
    public long MaxRequestBodyBytes { get; set; } = 256 * 1024;

    // The response cache for anonymous public reads; it also needs ConnectionStrings:cache for its purges.
    public bool ResponseCache { get; set; } = true;

    // Load shedding (LoadShedding.cs): requests with the replicas at once, and how many more may wait; 0 turns it off.
    // Little's law sizes them: the replicas' capacity times the latency a waiting request may add (bench/chaos overload).
    [System.ComponentModel.DataAnnotations.Range(0, int.MaxValue)]
    public int MaxConcurrentRequests { get; set; } = 64;

    [System.ComponentModel.DataAnnotations.Range(0, int.MaxValue)]
    public int MaxQueuedRequests { get; set; } = 128;
}
