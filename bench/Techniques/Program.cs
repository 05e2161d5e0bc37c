using System.Globalization;

namespace AspireScale.Bench.Techniques;

// Techniques [all|n1|pool|json] --conduit "<Npgsql connection string>" [--seconds S] [--rounds R] [--concurrency C]
// Techniques json-cold <mode>      one first (cold) JSON call in this fresh process; started by the json benchmark
//
// Prints Markdown. Every figure is a median of rounds that alternate between the variants being compared, so a
// neighbour's build slowing the machine down for a while hits both sides of a ratio alike.
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["json-cold", var mode])
        {
            JsonBenchmark.RunColdChild(mode);
            return 0;
        }

        var settings = BenchSettings.Parse(args);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"_{Environment.ProcessorCount} cores, .NET {Environment.Version}, rounds {settings.Rounds} x {settings.Seconds:0.#} s per variant, medians_"));
        Console.WriteLine();

        if (settings.Runs("n1") || settings.Runs("pool"))
        {
            var database = await BenchDatabase.OpenAsync(settings.ConnectionString);
            if (settings.Runs("n1"))
            {
                await NPlusOneBenchmark.RunAsync(database, settings);
            }

            if (settings.Runs("pool"))
            {
                await PoolingBenchmark.RunAsync(database, settings);
            }
        }

        if (settings.Runs("json"))
        {
            JsonBenchmark.Run(settings);
        }

        return 0;
    }
}

internal sealed record BenchSettings(string Benchmark, string ConnectionString, double Seconds, int Rounds, int Concurrency)
{
    public bool Runs(string name) => Benchmark == "all" || Benchmark == name;

    public TimeSpan Slice => TimeSpan.FromSeconds(Seconds);

    public static BenchSettings Parse(string[] args)
    {
        var benchmark = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "all";
        string? Option(string name)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
        }

        var connection = Option("--conduit") ?? Environment.GetEnvironmentVariable("ConnectionStrings__conduit") ?? "";
        if (benchmark is not ("all" or "n1" or "pool" or "json"))
        {
            throw new ArgumentException($"unknown benchmark '{benchmark}': all, n1, pool or json");
        }

        if (benchmark != "json" && connection.Length == 0)
        {
            throw new ArgumentException("--conduit <connection string> (or ConnectionStrings__conduit) is required");
        }

        var settings = new BenchSettings(
            benchmark,
            connection,
            double.Parse(Option("--seconds") ?? "2", CultureInfo.InvariantCulture),
            int.Parse(Option("--rounds") ?? "3", CultureInfo.InvariantCulture),
            int.Parse(Option("--concurrency") ?? "32", CultureInfo.InvariantCulture));
        return settings is { Seconds: > 0, Rounds: > 0, Concurrency: > 0 }
            ? settings
            : throw new ArgumentException("--seconds, --rounds and --concurrency must be positive");
    }
}
