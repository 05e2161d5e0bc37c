using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AspireScale.Api.Articles;
using AspireScale.Api.Infrastructure;
using AspireScale.Api.Profiles;

namespace AspireScale.Bench.Techniques;

// The response bodies the Api writes most (a list of 20 articles, one article with its body), serialized and read back
// with: the Api's own options (ConduitJsonContext first in the resolver chain, the UtcMicroseconds converter), the same
// options resolved by reflection, the Api's options without the date converter, and the generated context alone with
// its own options (the generator's fast path). The last two do not write the Api's date format; they show where the
// time goes. Steady state in this process; first calls in a fresh process per mode.
// Newtonsoft.Json is not compared: the Api does not use it (it only reaches the build through EF Core Design's tooling).
internal static class JsonBenchmark
{
    private const string SourceGen = "source-gen";
    private const string Reflection = "reflection";
    private const string NoConverter = "source-gen-no-converter";
    private const string FastPath = "source-gen-fast-path";
    private static readonly string[] Modes = [SourceGen, Reflection, NoConverter, FastPath];

    private static readonly Dictionary<string, string> Labels = new()
    {
        [SourceGen] = "source-gen, Api's options (ConduitJsonContext first in chain)",
        [Reflection] = "reflection (DefaultJsonTypeInfoResolver), same options",
        [NoConverter] = "source-gen, Api's options minus the date converter",
        [FastPath] = "ConduitJsonContext.Default alone (no date converter)",
    };

    public static void Run(BenchSettings settings)
    {
        var list = SampleData.List(20);
        var single = new ArticleEnvelope(SampleData.View(7));
        var listBytes = JsonSerializer.SerializeToUtf8Bytes(list, ListInfo(Options(SourceGen)));
        var singleBytes = JsonSerializer.SerializeToUtf8Bytes(single, SingleInfo(Options(SourceGen)));
        if (!listBytes.AsSpan().SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(list, ListInfo(Options(Reflection)))))
        {
            throw new InvalidOperationException("source-gen and reflection wrote different bytes");
        }

        var cases = new List<(string Payload, string Operation, string Mode, Action Action)>();
        foreach (var mode in Modes)
        {
            var options = Options(mode);
            var listInfo = ListInfo(options);
            var singleInfo = SingleInfo(options);
            var buffer = new ArrayBufferWriter<byte>(64 * 1024);
            var writer = new Utf8JsonWriter(buffer);
            void Write<T>(T value, JsonTypeInfo<T> info)
            {
                buffer.ResetWrittenCount();
                writer.Reset(buffer);
                JsonSerializer.Serialize(writer, value, info);
            }

            var listRead = JsonSerializer.SerializeToUtf8Bytes(list, listInfo);
            var singleRead = JsonSerializer.SerializeToUtf8Bytes(single, singleInfo);
            cases.Add(($"ArticlesEnvelope, 20 articles ({listBytes.Length:N0} B)", "serialize", mode, () => Write(list, listInfo)));
            cases.Add(($"ArticlesEnvelope, 20 articles ({listBytes.Length:N0} B)", "deserialize", mode, () => JsonSerializer.Deserialize(listRead, listInfo)));
            cases.Add(($"ArticleEnvelope, 1 article ({singleBytes.Length:N0} B)", "serialize", mode, () => Write(single, singleInfo)));
            cases.Add(($"ArticleEnvelope, 1 article ({singleBytes.Length:N0} B)", "deserialize", mode, () => JsonSerializer.Deserialize(singleRead, singleInfo)));
        }

        // Interleaved rounds of 1/10 of a slice each; the first two rounds warm up (tiered JIT reaches tier 1) and is dropped.
        var slice = settings.Slice / 10;
        var samples = cases.Select(_ => new List<(double Ns, double Bytes)>()).ToArray();
        for (var round = -2; round < settings.Rounds * 2; round++)
        {
            for (var c = 0; c < cases.Count; c++)
            {
                var sample = Measure(cases[c].Action, slice);
                if (round >= 0)
                {
                    samples[c].Add(sample);
                }
            }
        }

        var rows = new List<string[]>();
        foreach (var group in cases.Select((item, index) => (item, index)).GroupBy(x => (x.item.Payload, x.item.Operation)))
        {
            var baseline = group.First(x => x.item.Mode == SourceGen).index;
            var baseNs = Stats.Median(samples[baseline].Select(s => s.Ns));
            var baseBytes = Stats.Median(samples[baseline].Select(s => s.Bytes));
            foreach (var (item, index) in group)
            {
                var ns = Stats.Median(samples[index].Select(s => s.Ns));
                var bytes = Stats.Median(samples[index].Select(s => s.Bytes));
                rows.Add([group.Key.Payload, group.Key.Operation, Labels[item.Mode], Stats.F(ns, "0"), Stats.F(bytes, "0"), Stats.Ratio(ns / baseNs), Stats.Ratio(bytes / baseBytes)]);
            }
        }

        Markdown.Table("3a. JSON steady state (one thread, after warm-up; thread CPU time)",
            ["payload", "operation", "mode", "CPU ns/op", "allocated B/op", "time vs Api", "alloc vs Api"], rows);

        RunCold();
    }

    private static (double Ns, double Bytes) Measure(Action action, TimeSpan duration)
    {
        // Batches of 16 so the clocks are read rarely against calls of a few microseconds; the wall clock only bounds
        // the slice, the figure is this thread's CPU time.
        long calls = 0;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var cpuBefore = ThreadCpu.Nanoseconds();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            for (var i = 0; i < 16; i++)
            {
                action();
            }

            calls += 16;
        }

        var cpu = ThreadCpu.Nanoseconds() - cpuBefore;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        return (cpu / calls, (double)allocated / calls);
    }

    // First calls, each mode in fresh processes (alternating, 5 of each): options + type metadata + JIT of whichever
    // code path the mode takes, which is what a new replica pays on its first requests.
    private static void RunCold()
    {
        const int Processes = 5;
        var runs = Modes.ToDictionary(m => m, _ => new List<double[]>());
        for (var i = 0; i < Processes; i++)
        {
            foreach (var mode in Modes)
            {
                runs[mode].Add(StartChild(mode));
            }
        }

        double Median(string mode, int column) => Stats.Median(runs[mode].Select(r => r[column]));
        Markdown.Table($"3b. JSON first calls in a fresh process (median of {Processes} processes per mode): thread CPU ms, and wall ms",
            ["mode", "1st serialize, 20-article list", "1st deserialize, same", "1st serialize, single article (after the list)", "total CPU", "total wall", "allocated KB", "CPU vs Api"],
            Modes.Select(mode => new[]
            {
                Labels[mode],
                Stats.F(Median(mode, 0), "0.0"),
                Stats.F(Median(mode, 1), "0.0"),
                Stats.F(Median(mode, 2), "0.0"),
                Stats.F(Median(mode, 3), "0.0"),
                Stats.F(Median(mode, 4), "0.0"),
                Stats.F(Median(mode, 5) / 1024, "0"),
                Stats.Ratio(Median(mode, 3) / Median(SourceGen, 3)),
            }));
    }

    private static double[] StartChild(string mode)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(JsonBenchmark).Assembly.Location);
        }

        start.ArgumentList.Add("json-cold");
        start.ArgumentList.Add(mode);
        using var child = Process.Start(start) ?? throw new InvalidOperationException("could not start the cold-run child");
        var line = child.StandardOutput.ReadToEnd().Trim();
        child.WaitForExit();
        if (child.ExitCode != 0)
        {
            throw new InvalidOperationException($"cold-run child for {mode} exited {child.ExitCode}: {line}");
        }

        return line.Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
    }

    // In the child: nothing JSON has run yet in this process. Prints the thread CPU ms of each first call, their total,
    // the wall-clock total and the bytes allocated.
    public static void RunColdChild(string mode)
    {
        var list = SampleData.List(20);
        var single = new ArticleEnvelope(SampleData.View(7));
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var start = ThreadCpu.Nanoseconds();
        var options = Options(mode);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(list, ListInfo(options));
        var serialized = ThreadCpu.Nanoseconds();
        var back = JsonSerializer.Deserialize(bytes, ListInfo(options));
        var deserialized = ThreadCpu.Nanoseconds();
        var singleBytes = JsonSerializer.SerializeToUtf8Bytes(single, SingleInfo(options));
        var end = ThreadCpu.Nanoseconds();
        var wall = clock.Elapsed.TotalMilliseconds;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        if (back?.Articles.Count != list.Articles.Count || singleBytes.Length == 0)
        {
            throw new InvalidOperationException("round trip lost articles");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(serialized - start) / 1e6} {(deserialized - serialized) / 1e6} {(end - deserialized) / 1e6} {(end - start) / 1e6} {wall} {allocated}"));
    }

    // What AddConduitJson makes of ASP.NET Core's JsonOptions (web defaults, reflection resolver last in the chain).
    private static JsonSerializerOptions Options(string mode)
    {
        if (mode == FastPath)
        {
            return ConduitJsonContext.Default.Options;
        }

        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        if (mode is SourceGen or NoConverter)
        {
            options.TypeInfoResolverChain.Insert(0, ConduitJsonContext.Default);
        }
        else if (mode != Reflection)
        {
            throw new ArgumentException($"unknown JSON mode '{mode}'", nameof(mode));
        }

        if (mode != NoConverter)
        {
            options.Converters.Add(new UtcMicrosecondsConverter());
        }

        options.MakeReadOnly();
        return options;
    }

    // As ASP.NET Core resolves it for TypedResults.Ok(value): the options' JsonTypeInfo for the declared type.
    private static JsonTypeInfo<ArticlesEnvelope> ListInfo(JsonSerializerOptions options) =>
        (JsonTypeInfo<ArticlesEnvelope>)options.GetTypeInfo(typeof(ArticlesEnvelope));

    private static JsonTypeInfo<ArticleEnvelope> SingleInfo(JsonSerializerOptions options) =>
        (JsonTypeInfo<ArticleEnvelope>)options.GetTypeInfo(typeof(ArticleEnvelope));
}

// Articles shaped like bench/seed/seed.sql's: same titles, descriptions, body lengths (8-31 paragraphs), 1-4 tags,
// a third of authors without bio, a quarter without image, microsecond timestamps.
internal static class SampleData
{
    private static readonly string[] Titles = ["How to train your dragon", "Notes on replicas", "A week with PostgreSQL", "Scaling reads", "The feed problem", "Why slugs matter"];
    private static readonly string[] Slugs = ["how-to-train-your-dragon", "notes-on-replicas", "a-week-with-postgres", "scaling-reads", "the-feed-problem", "why-slugs-matter"];
    private static readonly string[] Tags = ["dragons", "training", "reactjs", "dotnet", "csharp", "postgres", "redis", "rabbitmq", "kubernetes", "aspire", "performance", "testing"];
    private static readonly DateTime Epoch = new(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    public static ArticlesEnvelope List(int count) =>
        new(Enumerable.Range(1, count).Select(g => Summary(View(g))).ToList(), 20_000);

    public static ArticleView View(int g)
    {
        var created = Epoch.AddSeconds(-g * 15_733.0).AddTicks(g * 1_234_560 % 10_000_000);
        var author = 1 + (g * 37 % 1000);
        return new ArticleView(
            $"seed-article-{g}-{Slugs[g % 6]}",
            $"Seed article {g}: {Titles[g % 6]}",
            $"A seeded article (number {g}) for benchmarks and demos.",
            string.Concat(Enumerable.Repeat($"Paragraph of seeded article {g}. It takes a Jacobian, some patience and a good index. ", 8 + (g % 24))),
            Enumerable.Range(0, 1 + (g % 4)).Select(i => Tags[((g * 7) + (i * 5)) % Tags.Length]).Distinct().Order(StringComparer.Ordinal).ToArray(),
            created,
            created.AddHours(g % 2 * 17.25),
            g % 3 == 0,
            g * 7 % 40,
            new ProfileView(
                $"seed-user-{author:0000}",
                author % 3 == 0 ? null : $"Seeded writer number {author}. I write about databases.",
                author % 4 == 0 ? null : $"https://images.seed.example/avatars/{author}.png",
                g % 2 == 0));
    }

    private static ArticleSummaryView Summary(ArticleView a) =>
        new(a.Slug, a.Title, a.Description, a.TagList, a.CreatedAt, a.UpdatedAt, a.Favorited, a.FavoritesCount, a.Author);
}
