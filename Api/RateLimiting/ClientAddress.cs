using System.Net;

namespace AspireScale.Api.RateLimiting;

public static class ClientAddress
{
    // The client's address. Behind our own balancer (a loopback peer) it is the last X-Forwarded-For entry, the one the
    // balancer added: earlier entries are whatever the client sent, so trusting them would let it pick its own partition.
    public static string Of(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is not null && IPAddress.IsLoopback(address)
            && context.Request.Headers["X-Forwarded-For"].ToString().Split(',', StringSplitOptions.TrimEntries) is [.., { Length: > 0 } forwarded])
        {
            return forwarded;
        }

        return address?.ToString() ?? "unknown";
    }
}
