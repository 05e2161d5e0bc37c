using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace AspireScale.Gateway;

// The gateway is ready whenever its process serves: never Unhealthy because of its replicas. Taking the only front door
// out of rotation when every replica looks down would gain nothing (clients get an error either way), and YARP's
// HealthyOrPanic policy still tries replicas its probes call unhealthy (an Api whose /health fails on a dependency may
// still serve reads). So: Healthy while a replica is not known to be unhealthy, Degraded (still 200) when none is left
// or none is configured, with the reason for whoever looks.
internal sealed class ReplicasHealthCheck(IProxyStateLookup proxy) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var destinations = proxy.GetClusters().SelectMany(c => c.Destinations.Values).ToList();
        var usable = destinations.Count(d => d.Health.Active != DestinationHealth.Unhealthy && d.Health.Passive != DestinationHealth.Unhealthy);
        return Task.FromResult(usable > 0
            ? HealthCheckResult.Healthy($"{usable} of {destinations.Count} replicas usable")
            : HealthCheckResult.Degraded(destinations.Count == 0 ? "no replica configured" : $"all {destinations.Count} replicas unhealthy"));
    }
}
