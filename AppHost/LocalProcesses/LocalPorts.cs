using System.Net;
using System.Net.Sockets;

namespace AspireScale.AppHost.LocalProcesses;

// A free loopback port, chosen when the model is built. Our servers take their port as an argument or a config file line,
// and listen on it themselves (no DCP proxy in front of PostgreSQL or Redis: a proxy hop per query is measurable).
internal static class LocalPorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
