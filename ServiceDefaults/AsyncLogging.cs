using System.Diagnostics.Metrics;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

// Console logging that never blocks a request: the caller formats a line and offers it to a bounded channel; one
// background task writes to stdout. When the buffer is full the line is dropped and counted
// (metric aspirescale.logging.dropped), because a slow terminal or log collector must not slow the API down.
public static class AsyncLoggingExtensions
{
    public static TBuilder AddAsyncConsoleLogging<TBuilder>(this TBuilder builder, int capacity = 4096) where TBuilder : IHostApplicationBuilder
    {
        // Replaces the console provider, whose default queue blocks the caller when full.
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ILoggerProvider>(sp =>
            new BoundedConsoleLoggerProvider(Console.Out, Console.Error, capacity, sp.GetRequiredService<IMeterFactory>()));
        return builder;
    }
}

public sealed class BoundedConsoleLoggerProvider : ILoggerProvider
{
    private readonly Channel<(bool IsError, string Text)> _lines;
    private readonly Task _writer;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _written;

    // Errors go to stderr so that a supervisor (the AppHost) can surface them apart from the rest.
    public BoundedConsoleLoggerProvider(TextWriter output, TextWriter errors, int capacity, IMeterFactory meters)
    {
        var meter = meters.Create(TelemetryNames.Logging);
        _dropped = meter.CreateCounter<long>("aspirescale.logging.dropped", "{record}", "Log records dropped because the buffer was full");
        _written = meter.CreateCounter<long>("aspirescale.logging.written", "{record}", "Log records written to the console");
        _lines = Channel.CreateBounded<(bool, string)>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true },
            _ => _dropped.Add(1));
        _writer = Task.Run(() => WriteLinesAsync(output, errors));
    }

    public ILogger CreateLogger(string categoryName) => new BoundedConsoleLogger(categoryName, this);

    // DropWrite: when full, the channel drops the line (and counts it through the callback) instead of waiting.
    internal void Offer(bool isError, string line) => _lines.Writer.TryWrite((isError, line));

    private async Task WriteLinesAsync(TextWriter output, TextWriter errors)
    {
        await foreach (var (isError, text) in _lines.Reader.ReadAllAsync())
        {
            var writer = isError ? errors : output;
            await writer.WriteAsync(text);
            _written.Add(1);
            if (isError || _lines.Reader.Count == 0)
            {
                await writer.FlushAsync();
            }
        }

        await output.FlushAsync();
    }

    public void Dispose()
    {
        _lines.Writer.TryComplete();
        // Give the writer a moment to drain what is buffered on shutdown; never hang the host on it.
        _writer.Wait(TimeSpan.FromSeconds(2));
    }

    private sealed class BoundedConsoleLogger(string category, BoundedConsoleLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var line = new StringBuilder(128)
                .Append(DateTimeOffset.UtcNow.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture))
                .Append(' ').Append(ShortLevel(logLevel)).Append(' ').Append(category).Append(": ")
                .Append(formatter(state, exception));
            if (exception is not null)
            {
                line.AppendLine().Append(exception);
            }

            provider.Offer(logLevel >= LogLevel.Error, line.AppendLine().ToString());
        }

        private static string ShortLevel(LogLevel level) => level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
    }
}
