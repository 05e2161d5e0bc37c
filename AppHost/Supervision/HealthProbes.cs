using System.Net.Sockets;
using System.Text;
using Npgsql;
using RabbitMQ.Client;

namespace AspireScale.AppHost.Supervision;

public interface IHealthProbe
{
    Task<bool> CheckAsync(CancellationToken cancellationToken);
}

// GET <url> answers 2xx: the project's /health (dependencies included).
public sealed class HttpHealthProbe(HttpClient http, Uri url) : IHealthProbe
{
    public async Task<bool> CheckAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(url, cancellationToken);
        return response.IsSuccessStatusCode;
    }
}

// A query answers; for a standby, it also says it is in recovery (a promoted or half-made replica is not one).
public sealed class PostgresHealthProbe(string connectionString, bool expectStandby) : IHealthProbe
{
    public async Task<bool> CheckAsync(CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 2 };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))! == expectStandby;
    }
}

// AUTH + PING over RESP, without a multiplexer that would keep reconnecting in the background.
public sealed class RedisHealthProbe(int port, string password) : IHealthProbe
{
    public async Task<bool> CheckAsync(CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"AUTH {password}\r\nPING\r\n"), cancellationToken);
        var buffer = new byte[64];
        var text = "";
        while (!text.Contains("PONG", StringComparison.Ordinal) && !text.Contains('-', StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return false;
            }

            text += Encoding.ASCII.GetString(buffer, 0, read);
        }

        return text.StartsWith("+OK", StringComparison.Ordinal) && text.Contains("+PONG", StringComparison.Ordinal);
    }
}

// An AMQP connection opens with the generated user: the broker has finished booting, not just bound its port.
public sealed class RabbitMQHealthProbe(string connectionString) : IHealthProbe
{
    public async Task<bool> CheckAsync(CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory { Uri = new Uri(connectionString), RequestedConnectionTimeout = TimeSpan.FromSeconds(2), AutomaticRecoveryEnabled = false };
        await using var connection = await factory.CreateConnectionAsync("apphost-health", cancellationToken);
        return connection.IsOpen;
    }
}

// epmd's NAMES request (length 1, 'n'): it answers with its port; a bare connect would make it log "partial packet".
public sealed class EpmdHealthProbe(int port) : IHealthProbe
{
    public async Task<bool> CheckAsync(CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(new byte[] { 0, 1, (byte)'n' }, cancellationToken);
        var answer = new byte[4];
        await stream.ReadExactlyAsync(answer, cancellationToken);
        return (answer[0] << 24 | answer[1] << 16 | answer[2] << 8 | answer[3]) == port;
    }
}
