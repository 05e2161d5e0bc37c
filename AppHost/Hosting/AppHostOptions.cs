namespace AspireScale.AppHost.Hosting;

// Command line: --replicas N --workers N --port P --data DIR --fresh --otlp URL --balancing POLICY --gateway-cache on|off --pgbouncer
// --environment NAME --publisher manifest --output-path FILE.
public sealed record AppHostOptions
{
    public int Replicas { get; init; } = 2;

    // Worker replicas: competing consumers on the jobs queue.
    public int Workers { get; init; } = 1;

    // 0 = any free port.
    public int GatewayPort { get; init; }

    public required string DataDirectory { get; init; }

    public bool Fresh { get; init; }

    public string? OtlpEndpoint { get; init; }

    public BalancingPolicy Balancing { get; init; } = BalancingPolicy.PowerOfTwoChoices;

    // The balancer's response cache for anonymous reads (Gateway/GatewayResponseCaching.cs, in the Gateway project).
    public bool GatewayCache { get; init; } = true;

    // API and Worker reach the primary through PgBouncer in transaction mode (Backing/PgBouncerHost.cs).
    public bool PgBouncer { get; init; }

    // DOTNET_ENVIRONMENT and ASPNETCORE_ENVIRONMENT of the services. Development, as an Aspire AppHost's run mode gives its
    // projects; benchmarks run Production, which is what a deployment runs (no developer exception page, no DI scope checks).
    public string EnvironmentName { get; init; } = "Development";

    public string? Publisher { get; init; }

    public string? OutputPath { get; init; }

    public static AppHostOptions Parse(string[] args)
    {
        int replicas = 2, workers = 1, port = 0;
        string? data = null, otlp = Environment.GetEnvironmentVariable("DASHBOARD_OTLP_ENDPOINT"), publisher = null, output = null;
        var fresh = false;
        var balancing = BalancingPolicy.PowerOfTwoChoices;
        var gatewayCache = true;
        var pgbouncer = false;
        var environment = "Development";

        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--replicas": replicas = PositiveInt(args[i], Value()); break;
                case "--workers": workers = PositiveInt(args[i], Value()); break;
                case "--port": port = PositiveInt(args[i], Value()); break;
                case "--data": data = Value(); break;
                case "--fresh": fresh = true; break;
                case "--otlp": otlp = Value(); break;
                case "--balancing": balancing = BalancingPolicies.Parse(Value()); break;
                case "--gateway-cache": gatewayCache = OnOff(args[i], Value()); break;
                case "--pgbouncer": pgbouncer = true; break;
                case "--environment": environment = ValidEnvironmentName(args[i], Value()); break;
                case "--publisher": publisher = Value(); break;
                case "--output-path": output = Value(); break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'. Options: --replicas N, --workers N, --port P, --data DIR, --fresh, --otlp URL, --balancing round-robin|least-requests|power-of-two, --gateway-cache on|off, --pgbouncer, --environment NAME, --publisher manifest --output-path FILE.");
            }
        }

        if (publisher is not null && (publisher != "manifest" || output is null))
        {
            throw new ArgumentException("Only '--publisher manifest --output-path FILE' is supported.");
        }

        return new AppHostOptions
        {
            Replicas = replicas,
            Workers = workers,
            GatewayPort = port,
            DataDirectory = Path.GetFullPath(data ?? Path.Combine(RepositoryPaths.Root, ".aspirescale")),
            Fresh = fresh,
            OtlpEndpoint = string.IsNullOrWhiteSpace(otlp) ? null : otlp,
            Balancing = balancing,
            GatewayCache = gatewayCache,
            PgBouncer = pgbouncer,
            EnvironmentName = environment,
            Publisher = publisher,
            OutputPath = output,
        };
    }

    private static bool OnOff(string option, string value) => value.ToLowerInvariant() switch
    {
        "on" or "true" => true,
        "off" or "false" => false,
        _ => throw new ArgumentException($"{option} takes on or off, not '{value}'."),
    };

    // A name the hosting convention knows, or one of the project's own (appsettings.<name>.json): letters, digits, - and _.
    private static string ValidEnvironmentName(string option, string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? value
            : throw new ArgumentException($"{option} takes an environment name such as Development or Production, not '{value}'.");

    private static int PositiveInt(string option, string value) =>
        int.TryParse(value, out var n) && n > 0 ? n : throw new ArgumentException($"{option} takes a positive number, not '{value}'.");
}
