using Yarp.ReverseProxy.LoadBalancing;

namespace AspireScale.AppHost.Gateway;

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

    public static string ToYarpPolicy(this BalancingPolicy policy) => policy switch
    {
        BalancingPolicy.RoundRobin => LoadBalancingPolicies.RoundRobin,
        BalancingPolicy.LeastRequests => LoadBalancingPolicies.LeastRequests,
        _ => LoadBalancingPolicies.PowerOfTwoChoices,
    };
}
