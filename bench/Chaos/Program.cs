using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AspireScale.Bench.Chaos;

// dotnet run --project bench/Chaos -- --gateway URL --primary CONNECTION-STRING [--rate N] [--seconds N] [--workers N]
//   [--warmup S] [--surge-at S --surge-for S --surge-factor F] [--fault NAME --fault-at S --inject 'shell command' [--heal-after S --heal 'shell command']]
// Prints one JSON line: the timeline of answers and the verdict (see bench/chaos/run.sh).
// dotnet run --project bench/Chaos -- bad-input --gateway URL --primary CONNECTION-STRING [--signing-key-file FILE]
//   [--count N] [--concurrency N]
// Prints one JSON line: the generated bad requests' answers and whether the database changed (BadInputRun.cs).
var arguments = args.Select((value, i) => (value, i)).Where(a => a.value.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(a => a.value[2..], a => a.i + 1 < args.Length ? args[a.i + 1] : "");
string Arg(string name, string? fallback = null) =>
    arguments.TryGetValue(name, out var value) ? value : fallback ?? throw new ArgumentException($"--{name} is required");
double Number(string name, double fallback) => double.Parse(Arg(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

if (args is ["bad-input", ..])
{
    var badInput = await BadInputReport.RunAsync(new BadInputOptions(new Uri(Arg("gateway")), Arg("primary"),
        arguments.ContainsKey("signing-key-file") ? (await File.ReadAllTextAsync(Arg("signing-key-file"))).Trim() : null,
        (int)Number("count", 5000), (int)Number("concurrency", 16), new HashSet<string>()), CancellationToken.None);
    Console.WriteLine(JsonSerializer.Serialize(badInput, JsonSerializerOptions.Web));
    return;
}

Fault? fault = arguments.ContainsKey("fault")
    ? new Fault(Arg("fault"), TimeSpan.FromSeconds(Number("fault-at", 10)), () => ShellAsync(Arg("inject")),
        arguments.ContainsKey("heal") ? TimeSpan.FromSeconds(Number("heal-after", 10)) : null,
        arguments.ContainsKey("heal") ? () => ShellAsync(Arg("heal")) : null)
    : null;
var options = new LoadOptions(
    new Uri(Arg("gateway")), Number("rate", 100), TimeSpan.FromSeconds(Number("seconds", 30)), (int)Number("workers", 16),
    Arg("run", DateTime.UtcNow.ToString("HHmmssfff", CultureInfo.InvariantCulture)), fault, TimeSpan.FromSeconds(Number("warmup", 10)),
    arguments.ContainsKey("surge-at")
        ? new Surge(TimeSpan.FromSeconds(Number("surge-at", 15)), TimeSpan.FromSeconds(Number("surge-for", 30)), Number("surge-factor", 3))
        : null);
var report = await ChaosReport.RunAsync(options, Arg("primary"), CancellationToken.None);
Console.WriteLine(JsonSerializer.Serialize(report, JsonSerializerOptions.Web));

static async Task ShellAsync(string command)
{
    using var shell = Process.Start("bash", ["-c", command]);
    await shell.WaitForExitAsync();
}
