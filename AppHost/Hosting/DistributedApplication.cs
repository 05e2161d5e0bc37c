using System.Runtime.InteropServices;
using AspireScale.AppHost.Publishing;
using AspireScale.AppHost.Resources;

namespace AspireScale.AppHost.Hosting;

public sealed class DistributedApplication(AppHostOptions options, IReadOnlyList<Resource> resources)
{
    public static DistributedApplicationBuilder CreateBuilder(string[] args)
    {
        try
        {
            return new DistributedApplicationBuilder(AppHostOptions.Parse(args));
        }
        catch (ArgumentException ex)
        {
            System.Console.Error.WriteLine(ex.Message);
            Environment.Exit(2);
            throw;
        }
    }

    public void Run() => Environment.ExitCode = RunAsync().GetAwaiter().GetResult();

    public async Task<int> RunAsync()
    {
        if (options.Publisher == "manifest")
        {
            ManifestPublisher.Write(resources, options.OutputPath!);
            return 0;
        }

        // The first Ctrl+C or SIGTERM stops everything in order; a second Ctrl+C is not intercepted and ends us at once
        // (the children then die of their parent-death signal).
        using var shutdown = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            if (!shutdown.IsCancellationRequested)
            {
                context.Cancel = true;
                shutdown.Cancel();
            }
        }

        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);

        var orchestrator = new Orchestrator(options, resources);
        var exitCode = 0;
        try
        {
            await orchestrator.RunAsync(shutdown.Token);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            System.Console.Error.WriteLine($"apphost: {ex.Message}");
            exitCode = 1;
        }
        finally
        {
            await orchestrator.DisposeAsync();
        }

        return exitCode;
    }
}
