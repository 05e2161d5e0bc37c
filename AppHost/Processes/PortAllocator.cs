using System.Net;
using System.Net.Sockets;

namespace AspireScale.AppHost.Processes;

// Free loopback ports, never the same one twice in a run (a port handed out but not yet bound looks free to the OS).
public sealed class PortAllocator
{
    private readonly HashSet<int> _handedOut = [];
    private readonly Lock _gate = new();

    public int Next()
    {
        lock (_gate)
        {
            while (true)
            {
                using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
                if (_handedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
