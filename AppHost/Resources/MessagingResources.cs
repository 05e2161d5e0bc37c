namespace AspireScale.AppHost.Resources;

public sealed class RedisResource(string name) : Resource(name), IResourceWithConnectionString
{
    public override string Kind => "redis";

    public Resource Server => this;

    public int Port { get; set; }

    public string Password { get; set; } = "";

    public string GetConnectionString() => $"127.0.0.1:{Port},password={Password}";
}

public sealed class RabbitMQResource(string name) : Resource(name), IResourceWithConnectionString
{
    public override string Kind => "rabbitmq";

    public Resource Server => this;

    public int Port { get; set; }

    // Erlang distribution: a private epmd and a fixed distribution port, both on loopback.
    public int EpmdPort { get; set; }

    public int DistributionPort { get; set; }

    public string UserName { get; } = "aspirescale";

    public string Password { get; set; } = "";

    public string ErlangCookie { get; set; } = "";

    public string GetConnectionString() => $"amqp://{UserName}:{Uri.EscapeDataString(Password)}@127.0.0.1:{Port}/";
}
