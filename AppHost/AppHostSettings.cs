namespace AspireScale.AppHost;

// The AppHost's own options. Each is a configuration key under "AspireScale" (environment AspireScale__Replicas=3,
// appsettings, or the command line); the short flags the README has always documented (--replicas 3, --fresh ...) are
// rewritten to those keys before Aspire reads its arguments, so `dotnet run --project AppHost -- --replicas 3` still works.
// Everything else (Aspire's own --publisher, --output-path, ...) passes through untouched.
public sealed record AppHostSettings(int Replicas, int Workers, string DataDirectory, bool Fresh, string EnvironmentName, BackingServicesMode Mode, bool PgBouncer,
    int? GatewayPort, string Balancing, bool GatewayCache, string? Otlp, bool Dashboard)
{
    public const string Section = "AspireScale";

    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        ["--replicas"] = "Replicas",
        ["--workers"] = "Workers",
        ["--port"] = "Port",
        ["--data"] = "Data",
        ["--otlp"] = "Otlp",
        ["--balancing"] = "Balancing",
        ["--gateway-cache"] = "GatewayCache",
        ["--environment"] = "Environment",
        ["--backing-services"] = "BackingServices",
        ["--dashboard"] = "Dashboard",
    };

    private static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
    {
        ["--fresh"] = "Fresh",
        ["--pgbouncer"] = "PgBouncer",
    };

    public static string[] RewriteFlags(string[] args)
    {
        var rewritten = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            if (Flags.TryGetValue(args[i], out var key))
            {
                var value = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                rewritten.Add($"--{Section}:{key}={value}");
            }
            else if (Switches.TryGetValue(args[i], out key))
            {
                rewritten.Add($"--{Section}:{key}=true");
            }
            else
            {
                rewritten.Add(args[i]);
            }
        }

        return [.. rewritten];
    }

    // Read before the builder exists (Aspire takes it as an option, not as configuration): the environment, then the
    // command line, as the builder's configuration would.
    public static bool DashboardWanted(string[] rewrittenArgs)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(rewrittenArgs).Build();
        return OnOff(configuration[$"{Section}:Dashboard"] ?? "on", "Dashboard");
    }

    // Publishing (the manifest, azd) describes the deployment: the backing services are containers there, and PgBouncer,
    // a local process, has no part in it (Azure Database for PostgreSQL has its own).
    public static AppHostSettings Read(IConfiguration configuration, string appHostDirectory, bool publishing = false)
    {
        var section = configuration.GetSection(Section);
        var data = section["Data"] is { Length: > 0 } folder
            ? Path.GetFullPath(folder)
            : Path.GetFullPath(Path.Combine(appHostDirectory, "..", ".aspirescale"));
        return new AppHostSettings(
            Positive(section, "Replicas", 2),
            Positive(section, "Workers", 1),
            data,
            !publishing && section.GetValue("Fresh", false),
            ValidEnvironmentName(section["Environment"]),
            publishing ? BackingServicesMode.Containers : BackingServicesExtensions.Choose(section["BackingServices"], BackingServicesExtensions.ContainerRuntimeAnswers),
            !publishing && section.GetValue("PgBouncer", false),
            section["Port"] is { } port ? Positive(section, "Port", 0) : null,
            YarpPolicy(section["Balancing"]),
            OnOff(section["GatewayCache"] ?? "on", "GatewayCache"),
            section["Otlp"] is { Length: > 0 } otlp ? otlp : null,
            OnOff(section["Dashboard"] ?? "on", "Dashboard"));
    }

    // The README's names for the balancing policies, as YARP calls them.
    private static string YarpPolicy(string? value) => (value ?? "power-of-two").ToLowerInvariant() switch
    {
        "power-of-two" or "poweroftwochoices" => "PowerOfTwoChoices",
        "round-robin" or "roundrobin" => "RoundRobin",
        "least-requests" or "leastrequests" => "LeastRequests",
        var other => throw new ArgumentException($"{Named("Balancing")} takes round-robin, least-requests or power-of-two, not '{other}'."),
    };

    // Becomes a folder name in appsettings.{Name}.json lookups and the services' environment: a plain name only.
    private static string ValidEnvironmentName(string? value) =>
        value is null ? "Development"
        : System.Text.RegularExpressions.Regex.IsMatch(value, "^[A-Za-z0-9][A-Za-z0-9_-]*$") ? value
        : throw new ArgumentException($"{Named("Environment")} takes a name of letters, digits, '-' and '_', not '{value}'.");

    // An option as a user may have given it: the flag and its configuration key.
    private static string Named(string key) =>
        $"{Flags.Concat(Switches).FirstOrDefault(f => f.Value == key).Key ?? key} ({Section}:{key})";

    private static bool OnOff(string value, string key) => value.ToLowerInvariant() switch
    {
        "on" or "true" => true,
        "off" or "false" => false,
        _ => throw new ArgumentException($"{Named(key)} takes on or off, not '{value}'."),
    };

    private static int Positive(IConfiguration section, string key, int fallback) =>
        section[key] is not { } text ? fallback
        : int.TryParse(text, out var value) && value > 0 ? value
        : throw new ArgumentException($"{Named(key)} takes a positive number, not '{text}'.");
}

public enum BackingServicesMode
{
    LocalProcesses,
    Containers,
}
