using System.Diagnostics;
using AspireScale.AppHost.Containers;
using AspireScale.AppHost.LocalProcesses;

namespace AspireScale.AppHost;

// The backing services under the names and connection strings the services expect (conduit, conduit-read, cache,
// messaging): Aspire's official containers where a container runtime answers, our local-process resources where none
// does (CI, this repository's machines). AspireScale:BackingServices=containers|processes forces one.
public sealed record BackingServices(
    IResourceBuilder<IResourceWithConnectionString> Conduit,
    IResourceBuilder<IResourceWithConnectionString> ConduitRead,
    IResourceBuilder<IResourceWithConnectionString> Cache,
    IResourceBuilder<IResourceWithConnectionString> Messaging);

public static class BackingServicesExtensions
{
    public static BackingServices AddBackingServices(this IDistributedApplicationBuilder builder, AppHostSettings settings, DataFolder data) =>
        settings.Mode switch
        {
            BackingServicesMode.Containers => builder.AddContainers(data),
            _ => builder.AddLocalProcesses(data),
        };

    private static BackingServices AddContainers(this IDistributedApplicationBuilder builder, DataFolder data)
    {
        var password = builder.AddParameter("postgres-password", () => data.Password("postgres-superuser"), secret: true);
        var postgres = builder.AddPostgres("postgres", password: password).WithDataVolume();
        var replica = postgres.AddReadReplica("postgres-replica", data);
        var conduit = postgres.AddDatabase("conduit");
        var conduitRead = replica.AddDatabase("conduit-read", postgres, "conduit");
        var cache = builder.AddRedis("cache", password: builder.AddParameter("cache-password", () => data.Password("redis"), secret: true)).WithDataVolume();
        var messaging = builder.AddRabbitMQ("messaging", password: builder.AddParameter("messaging-password", () => data.Password("rabbitmq"), secret: true)).WithDataVolume();
        return new(As(conduit), As(conduitRead), As(cache), As(messaging));
    }

    private static BackingServices AddLocalProcesses(this IDistributedApplicationBuilder builder, DataFolder data)
    {
        var postgres = builder.AddPostgresProcess("postgres", data);
        var replica = postgres.AddReadReplica("postgres-replica", data);
        var conduit = postgres.AddDatabase("conduit");
        var conduitRead = replica.AddDatabase("conduit-read", "conduit");
        var cache = builder.AddRedisProcess("cache", data);
        var messaging = builder.AddRabbitMQProcess("messaging", data);
        return new(As(conduit), As(conduitRead), As(cache), As(messaging));
    }

    // "auto": containers when `docker info` (or podman, as ASPIRE_CONTAINER_RUNTIME says) answers within a few seconds.
    public static BackingServicesMode Choose(string? setting, Func<bool> containerRuntimeAnswers) =>
        (setting ?? "auto").ToLowerInvariant() switch
        {
            "processes" or "local" => BackingServicesMode.LocalProcesses,
            "containers" => BackingServicesMode.Containers,
            "auto" => containerRuntimeAnswers() ? BackingServicesMode.Containers : BackingServicesMode.LocalProcesses,
            var other => throw new ArgumentException($"AspireScale:BackingServices takes auto, containers or processes, not '{other}'."),
        };

    public static bool ContainerRuntimeAnswers()
    {
        var runtime = Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME") is { Length: > 0 } named ? named : "docker";
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No such program.
            return false;
        }
    }

    private static IResourceBuilder<IResourceWithConnectionString> As<T>(IResourceBuilder<T> builder) where T : IResourceWithConnectionString =>
        (IResourceBuilder<IResourceWithConnectionString>)builder;
}
