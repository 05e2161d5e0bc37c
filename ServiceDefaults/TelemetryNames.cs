namespace Microsoft.Extensions.Hosting;

// The meters and activity sources every service exports; a project adds its own by name here so that one list stays true.
public static class TelemetryNames
{
    public const string Conduit = "AspireScale.Conduit";
    public const string Messaging = "AspireScale.Messaging";
    public const string Logging = "AspireScale.Logging";

    public static readonly string[] Meters =
    [
        Conduit,
        Messaging,
        Logging,
        "Npgsql",
        "Microsoft.EntityFrameworkCore",
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "System.Net.Http",
    ];

    public static readonly string[] ActivitySources =
    [
        Conduit,
        Messaging,
        "Npgsql",
        "RabbitMQ.Client.Publisher",
        "RabbitMQ.Client.Subscriber",
    ];
}
