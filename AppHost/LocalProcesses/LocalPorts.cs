using System.Net;
using System.Net.Sockets;

namespace AspireScale.AppHost.LocalProcesses;

// A free loopback port, chosen when the model is built. Our servers take their port as an argument or a config file line,
// and listen on it themselves (no DCP proxy in front of PostgreSQL or Redis: a proxy hop per query is measurable).
//
// Chosen below the ephemeral range (Linux's ip_local_port_range starts at 32768; macOS and Windows at 49152), not by
// binding port 0: the kernel hands ephemeral ports to every outgoing connection, so a port chosen there could be taken by
// some process's connection before our server bound it, and an API replica, which must keep its port across restarts,
// then crash-looped until the AppHost gave up (seen twice in CI).
internal static class LocalPorts
{
    private const int Lowest = 10_000;
    private const int BelowEphemeral = 32_768;
    private static readonly HashSet<int> Given = [];

    public static int Next()
    {
        lock (Given)
        {
            for (var attempt = 0; attempt < 1_000; attempt++)
            {
                var port = Random.Shared.Next(Lowest, BelowEphemeral);
                if (!Given.Contains(port) && IsFree(port))
                {
                    Given.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No free loopback port between {Lowest} and {BelowEphemeral} after 1,000 tries.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
