#:package Microsoft.Diagnostics.Tracing.TraceEvent
// Where a process allocates: sums the runtime's GCAllocationTick events (one per ~100 KB allocated, with its stack) of a
// trace, by type and by every frame on the stack (inclusive), as shares of all the bytes sampled.
// Record (dotnet tool install --global dotnet-trace):
//          dotnet-trace collect -p PID --providers Microsoft-Windows-DotNETRuntime:0x1:5 --duration 00:00:05 -o TRACE.nettrace
// Usage:   dotnet run bench/lib/alloc-profile.cs -- TRACE.nettrace [TOP]
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: alloc-profile.cs TRACE.nettrace [TOP]");
    return 2;
}

var top = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30;
var byType = new Dictionary<string, long>();
var byFrame = new Dictionary<string, long>();
long total = 0;
using (var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(args[0])))
{
    foreach (var traced in log.Events)
    {
        if (traced is not GCAllocationTickTraceData tick)
        {
            continue;
        }

        total += tick.AllocationAmount64;
        byType[tick.TypeName] = byType.GetValueOrDefault(tick.TypeName) + tick.AllocationAmount64;
        var seen = new HashSet<string>();
        for (var frame = tick.CallStack(); frame is not null; frame = frame.Caller)
        {
            var name = frame.CodeAddress.FullMethodName is { Length: > 0 } method ? method : frame.CodeAddress.ModuleName;
            // A recursive frame counts once per sample, so no share exceeds 100 %.
            if (seen.Add(name))
            {
                byFrame[name] = byFrame.GetValueOrDefault(name) + tick.AllocationAmount64;
            }
        }
    }
}

if (total == 0)
{
    Console.Error.WriteLine($"{args[0]}: no allocation ticks (record with --providers Microsoft-Windows-DotNETRuntime:0x1:5)");
    return 1;
}

Console.WriteLine($"{total / 1e6:F1} MB sampled");
Console.WriteLine("| share | allocated type |");
Console.WriteLine("|---:|---|");
foreach (var (type, bytes) in byType.OrderByDescending(p => p.Value).Take(top))
{
    Console.WriteLine($"| {bytes * 100.0 / total:F1} % | `{type}` |");
}

Console.WriteLine();
Console.WriteLine("| share | frame on the stack (inclusive) |");
Console.WriteLine("|---:|---|");
foreach (var (frame, bytes) in byFrame.OrderByDescending(p => p.Value).Take(top))
{
    Console.WriteLine($"| {bytes * 100.0 / total:F1} % | `{frame}` |");
}

return 0;
