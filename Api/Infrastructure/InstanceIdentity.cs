using Microsoft.Extensions.Primitives;

namespace AspireScale.Api.Infrastructure;

// Which replica answered: InstanceName (the AppHost sets api-0, api-1 ..., the names the dashboard shows), else
// service.instance.id from OTEL_RESOURCE_ATTRIBUTES, else machine name and process id. Sent on every response as
// X-Instance so balancing can be observed from outside.
public sealed record InstanceIdentity(string Service, string Instance)
{
    public const string HeaderName = "X-Instance";

    public static InstanceIdentity FromConfiguration(IConfiguration configuration)
    {
        var service = configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : "api";
        var instance = (configuration["InstanceName"] is { Length: > 0 } named ? named : null)
            ?? ParseResourceAttribute(configuration["OTEL_RESOURCE_ATTRIBUTES"], "service.instance.id")
            ?? $"{Environment.MachineName}-{Environment.ProcessId}";
        return new InstanceIdentity(service, instance);
    }

    // "key1=value1,key2=value2" (the OpenTelemetry environment format; values may be percent-encoded).
    internal static string? ParseResourceAttribute(string? attributes, string key)
    {
        foreach (var pair in (attributes ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && pair[..equals].Trim() == key && pair[(equals + 1)..].Trim() is { Length: > 0 } value)
            {
                return Uri.UnescapeDataString(value);
            }
        }

        return null;
    }
}

public sealed record ServiceInfo(string Service, string Instance, string Version, string Environment);

public static class InstanceIdentityExtensions
{
    public static IHostApplicationBuilder AddInstanceIdentity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(InstanceIdentity.FromConfiguration(builder.Configuration));
        return builder;
    }

    public static WebApplication UseInstanceHeader(this WebApplication app)
    {
        var instance = new StringValues(app.Services.GetRequiredService<InstanceIdentity>().Instance);
        app.Use((context, next) =>
        {
            // At send time rather than now: the exception handler clears headers set earlier in the pipeline.
            context.Response.OnStarting(static state =>
            {
                var (response, value) = ((HttpResponse, StringValues))state;
                response.Headers[InstanceIdentity.HeaderName] = value;
                return Task.CompletedTask;
            }, (context.Response, instance));
            return next(context);
        });
        return app;
    }

    public static IEndpointRouteBuilder MapServiceInfo(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (InstanceIdentity identity, IHostEnvironment environment) => TypedResults.Ok(new ServiceInfo(
                identity.Service,
                identity.Instance,
                typeof(InstanceIdentity).Assembly.GetName().Version?.ToString() ?? "0.0.0",
                environment.EnvironmentName)))
            .WithName("GetServiceInfo")
            .ExcludeFromDescription();
        return app;
    }
}
