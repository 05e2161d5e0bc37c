namespace AspireScale.Tests.Infrastructure;

// What every Api the suite starts runs with, on top of the defaults in code: the suite registers hundreds of users and
// fails dozens of logins from one address (127.0.0.1 through the balancer, "unknown" in process), which the defaults meant
// for a deployment (20 registrations an hour per address, 20 failed logins per address in 15 minutes) would refuse. Set
// here once: RunningAppHost passes them to every AppHost it launches (whose services inherit its environment), and the
// in-process Apis (ConduitApiFactory, RateLimitingTests) apply them before their own settings. Tests of the limits set
// their own lower values on top.
public static class SuiteSettings
{
    public static readonly IReadOnlyDictionary<string, string> Values = new Dictionary<string, string>
    {
        ["RateLimiting:Registration:PermitLimit"] = "1000000",
        ["RateLimiting:Login:PermitLimit"] = "1000000",
        ["LoginProtection:Address:Limit"] = "1000000",
    };

    // The same settings as environment variables (RateLimiting__Registration__PermitLimit=...).
    public static IEnumerable<KeyValuePair<string, string>> AsEnvironment() =>
        Values.Select(setting => KeyValuePair.Create(setting.Key.Replace(":", "__", StringComparison.Ordinal), setting.Value));
}
