using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AspireScale.Tests.ServiceDefaults;

public sealed class AsyncConsoleLoggingTests
{
    [Fact]
    public async Task LoggingNeverWaitsForAStuckConsoleAndCountsWhatItDrops()
    {
        const int capacity = 10;
        const int records = 1000;
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var console = new GatedWriter();
        long dropped = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == TelemetryNames.Logging && instrument.Name == "aspirescale.logging.dropped")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref dropped, value));
        listener.Start();

        using var provider = new BoundedConsoleLoggerProvider(console, console, capacity, services.GetRequiredService<IMeterFactory>());
        var logger = provider.CreateLogger("test");

        // The console is stuck: had logging waited for it, this would never finish.
        await Task.Run(() =>
        {
            for (var i = 0; i < records; i++)
            {
                logger.LogInformation("record {Number}", i);
            }
        }).WaitAsync(TimeSpan.FromSeconds(30));

        // At most the buffer plus the one line the writer holds got through; the rest were dropped and counted.
        Assert.InRange(Interlocked.Read(ref dropped), records - capacity - 1, records - capacity);

        console.Open();
        await console.WaitForLinesAsync(records - (int)Interlocked.Read(ref dropped), TimeSpan.FromSeconds(30));
        Assert.Contains("info test: record 0", console.Text, StringComparison.Ordinal);
    }

    private sealed class GatedWriter : TextWriter
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly StringBuilder _text = new();
        private int _lines;

        public override Encoding Encoding => Encoding.UTF8;

        public string Text
        {
            get { lock (_text) { return _text.ToString(); } }
        }

        public void Open() => _gate.TrySetResult();

        public override async Task WriteAsync(string? value)
        {
            await _gate.Task;
            lock (_text)
            {
                _text.Append(value);
            }

            Interlocked.Increment(ref _lines);
        }

        public async Task WaitForLinesAsync(int count, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            while (Volatile.Read(ref _lines) < count)
            {
                await Task.Delay(10, cts.Token);
            }
        }
    }
}
