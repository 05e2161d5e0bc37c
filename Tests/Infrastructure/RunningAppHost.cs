extern alias apphost;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AspireScale.Tests.Infrastructure;

// A started AppHost: where its gateway is, what it reported in apphost.json, clients for its resources, and teardown.
// Either in this process through Aspire.Hosting.Testing (the shared topology), or as a process of its own (`dotnet
// AppHost.dll`, `dotnet run`) for the tests that signal, kill or restart the AppHost itself.
public sealed class RunningAppHost : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, Process> Running = new();
    private readonly Process? _process;
    private readonly DistributedApplication? _inProcess;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<Uri> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private AppHostManifest? _manifest;

    static RunningAppHost()
    {
        // A test run that ends abruptly must not leave topologies behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Running.Values)
            {
                Signal(process.Id, "KILL");
            }
        };
    }

    private readonly bool _deleteDataDirectory;

    private RunningAppHost(Process process, string dataDirectory, bool deleteDataDirectory)
    {
        _process = process;
        DataDirectory = dataDirectory;
        _deleteDataDirectory = deleteDataDirectory;
    }

    private RunningAppHost(DistributedApplication inProcess, string dataDirectory, bool deleteDataDirectory)
    {
        _inProcess = inProcess;
        DataDirectory = dataDirectory;
        _deleteDataDirectory = deleteDataDirectory;
    }

    public string DataDirectory { get; }

    public string LogsDirectory => Path.Combine(DataDirectory, "logs");

    // The AppHost's process: this one when it runs in process (DCP watches it and names it on its command line).
    public int Pid => _process?.Id ?? System.Environment.ProcessId;

    public Uri GatewayUrl { get; private set; } = null!;

    public AppHostManifest Manifest => _manifest ?? throw new InvalidOperationException("apphost.json not read yet.");

    // Everything the AppHost printed (stdout and stderr), for diagnostics.
    public IReadOnlyList<string> Output => [.. _output];

    public bool HasExited => _exited.Task.IsCompleted;

    // command: the program and its first arguments (`dotnet AppHost.dll`, or `dotnet run ... --`); then --data and args.
    internal static RunningAppHost Launch(
        IReadOnlyList<string> command, string dataDirectory, IReadOnlyList<string> args, bool deleteDataDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var startInfo = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var part in command.Skip(1))
        {
            startInfo.ArgumentList.Add(part);
        }

        startInfo.ArgumentList.Add("--data");
        startInfo.ArgumentList.Add(dataDirectory);
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        // The AppHost's services inherit its environment: the suite's settings, then the test's own.
        foreach (var (name, value) in SuiteSettings.AsEnvironment().Concat(environment))
        {
            startInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var app = new RunningAppHost(process, dataDirectory, deleteDataDirectory);
        process.OutputDataReceived += (_, e) => app.OnLine(e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => app.OnLine(e.Data, isError: true);
        process.Exited += (_, _) =>
        {
            Running.TryRemove(process.Id, out _);
            app._exited.TrySetResult();
        };
        process.Start();
        Running[process.Id] = process;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return app;
    }

    // The AppHost through Aspire.Hosting.Testing's DistributedApplicationTestingBuilder, in this process: DCP runs its
    // resources; the suite's settings (and the test's) reach each service as environment variables on its resource.
    internal static async Task<RunningAppHost> StartInProcessAsync(
        string dataDirectory, IReadOnlyList<string> args, bool deleteDataDirectory, IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var builder = await global::Aspire.Hosting.Testing.DistributedApplicationTestingBuilder.CreateAsync<apphost::Projects.AppHost>(
            ["--data", dataDirectory, .. args], deadline.Token);
        var settings = SuiteSettings.AsEnvironment().Concat(environment).ToList();
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            project.Annotations.Add(new EnvironmentCallbackAnnotation(context =>
            {
                foreach (var (name, value) in settings)
                {
                    context.EnvironmentVariables[name] = value;
                }
            }));
        }

        // Each resource's output is in <data>/logs/ already, and a resource's health checks fail until it is up: the test
        // log keeps the AppHost's own warnings and errors.
        builder.Services.AddLogging(logging => logging
            .AddFilter("AppHost.Resources", LogLevel.None)
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None)
            .AddFilter("Aspire.Hosting", LogLevel.Warning));
        var app = await builder.BuildAsync(deadline.Token);
        var running = new RunningAppHost(app, dataDirectory, deleteDataDirectory);
        try
        {
            await app.StartAsync(deadline.Token);
            var ready = await running.WaitForAsync(m => m.State == "ready", timeout, "the AppHost ready");
            running.GatewayUrl = new Uri(ready.Url);
            return running;
        }
        catch
        {
            await running.DisposeAsync();
            throw;
        }
    }

    internal async Task WaitForReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var finished = await Task.WhenAny(_ready.Task, _exited.Task, Task.Delay(Timeout.Infinite, deadline.Token).ContinueWith(_ => { }, TaskScheduler.Default));
        if (finished != _ready.Task)
        {
            var why = finished == _exited.Task ? $"exited with code {_process?.ExitCode}" : $"was not ready after {timeout.TotalSeconds:0}s";
            throw new InvalidOperationException($"The AppHost {why}.\n{Diagnostics()}");
        }

        GatewayUrl = _ready.Task.Result;
        await RefreshManifestAsync();
    }

    public async Task<AppHostManifest> RefreshManifestAsync()
    {
        var path = Path.Combine(DataDirectory, "apphost.json");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var stream = File.OpenRead(path);
                _manifest = await JsonSerializer.DeserializeAsync<AppHostManifest>(stream, AppHostManifest.Json)
                    ?? throw new JsonException("apphost.json is empty.");
                return _manifest;
            }
            catch (Exception ex) when (attempt < 20 && ex is IOException or JsonException)
            {
                // Written with temp + rename, so this is only the instant of a rename; try again.
                await Task.Delay(50);
            }
        }
    }

    // A client for the gateway (default) or for one replica of a resource, straight to its own port.
    public HttpClient CreateHttpClient(string resource = "gateway", int replica = 0)
    {
        var baseAddress = resource == "gateway"
            ? GatewayUrl
            : new Uri(Manifest.Resource(resource).Replicas[replica].Endpoint ?? throw new InvalidOperationException($"{resource}[{replica}] has no endpoint."));
        return new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string GetConnectionString(string name) =>
        Manifest.ConnectionStrings.TryGetValue(name, out var value) ? value : throw new KeyNotFoundException($"No connection string '{name}' in apphost.json.");

    public Task WaitForHealthyAsync(string resource, TimeSpan timeout) =>
        WaitForAsync(m => m.Find(resource) is { IsHealthy: true }, timeout, $"{resource} healthy");

    // Polls apphost.json until the condition holds; fails with the AppHost's output after the deadline.
    public async Task<AppHostManifest> WaitForAsync(Func<AppHostManifest, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var manifest = await RefreshManifestAsync();
            if (condition(manifest))
            {
                return manifest;
            }

            if (DateTime.UtcNow > deadline || HasExited)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:0}s for {what}.\n{Diagnostics()}");
            }

            await Task.Delay(200);
        }
    }

    // SIGTERM, then wait for the AppHost to stop everything and exit.
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (HasExited)
        {
            return;
        }

        if (_inProcess is not null)
        {
            using var stopping = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
            try
            {
                await _inProcess.StopAsync(stopping.Token);
            }
            finally
            {
                await _inProcess.DisposeAsync();
                _exited.TrySetResult();
            }

            return;
        }

        Signal(Pid, "TERM");
        if (await Task.WhenAny(_exited.Task, Task.Delay(timeout ?? TimeSpan.FromSeconds(90))) != _exited.Task)
        {
            Kill();
            await _exited.Task.WaitAsync(TimeSpan.FromSeconds(10));
            throw new TimeoutException($"The AppHost did not stop after SIGTERM and was killed.\n{Diagnostics()}");
        }
    }

    // SIGKILL the AppHost alone: its children must die by themselves.
    public void Kill()
    {
        EnsureOwnProcess();
        if (!HasExited)
        {
            Signal(Pid, "KILL");
        }
    }

    public Task WaitForExitAsync(TimeSpan timeout) => _exited.Task.WaitAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _process?.Dispose();
            try
            {
                if (_deleteDataDirectory)
                {
                    Directory.Delete(DataDirectory, recursive: true);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    public string Diagnostics()
    {
        var text = new StringBuilder("---- AppHost output (last 60 lines):\n");
        foreach (var line in _output.TakeLast(60))
        {
            text.AppendLine(line);
        }

        if (Directory.Exists(LogsDirectory))
        {
            foreach (var log in Directory.GetFiles(LogsDirectory, "*.log"))
            {
                text.AppendLine($"---- {Path.GetFileName(log)} (last 15 lines):");
                foreach (var line in ReadLinesShared(log).TakeLast(15))
                {
                    text.AppendLine(line);
                }
            }
        }

        return text.ToString();
    }

    private void OnLine(string? line, bool isError)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(isError ? "stderr: " + line : line);
        if (!isError && line.StartsWith("ready: ", StringComparison.Ordinal))
        {
            _ready.TrySetResult(new Uri(line["ready: ".Length..].Trim()));
        }
    }

    private static IEnumerable<string> ReadLinesShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    public void Signal(string signal)
    {
        EnsureOwnProcess();
        Signal(Pid, signal);
    }

    // A signal to the AppHost's whole process group, as a terminal's Ctrl+C sends SIGINT (needs a group of its own: setsid).
    public void SignalProcessGroup(string signal)
    {
        EnsureOwnProcess();
        Signal(-Pid, signal);
    }

    private void EnsureOwnProcess()
    {
        if (_process is null)
        {
            throw new InvalidOperationException("This AppHost runs in the test process: start it as a process of its own to signal or kill it.");
        }
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, "--", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { RedirectStandardError = true, UseShellExecute = false });
        kill?.WaitForExit();
    }
}
