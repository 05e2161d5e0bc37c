namespace AspireScale.AppHost.Hosting;

public enum BalancingPolicy { RoundRobin, LeastRequests, PowerOfTwoChoices }

public static class BalancingPolicies
{
    public static BalancingPolicy Parse(string value) => value.ToLowerInvariant() switch
    {
        "round-robin" or "roundrobin" => BalancingPolicy.RoundRobin,
        "least-requests" or "leastrequests" => BalancingPolicy.LeastRequests,
        "power-of-two" or "power-of-two-choices" or "poweroftwochoices" => BalancingPolicy.PowerOfTwoChoices,
        _ => throw new ArgumentException($"--balancing takes round-robin, least-requests or power-of-two, not '{value}'."),
    };

    // YARP's policy names (Yarp.ReverseProxy.LoadBalancing.LoadBalancingPolicies), as the gateway reads them from
    // ReverseProxy:Clusters:<cluster>:LoadBalancingPolicy.
    public static string ToYarpPolicy(this BalancingPolicy policy) => policy switch
    {
        BalancingPolicy.RoundRobin => "RoundRobin",
        BalancingPolicy.LeastRequests => "LeastRequests",
        _ => "PowerOfTwoChoices",
    };
}
