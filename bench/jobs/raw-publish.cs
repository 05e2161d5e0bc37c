#:package RabbitMQ.Client

// RabbitMQ's own ceiling for the pipeline's publishing pattern: 512-byte persistent messages, mandatory, publisher
// confirms tracked per message, into a quorum queue, with up to WINDOW confirms outstanding. Prints one JSON line.
// Usage: dotnet run raw-publish.cs -- AMQP_URI SECONDS [WINDOW]
using System.Diagnostics;
using RabbitMQ.Client;

var uri = new Uri(args[0]);
var seconds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10;
var window = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 256;
const string Queue = "bench.raw-publish";

var factory = new ConnectionFactory { Uri = uri };
await using var connection = await factory.CreateConnectionAsync();
await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
await channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false,
    arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
await channel.QueuePurgeAsync(Queue);

var body = new byte[512];
Random.Shared.NextBytes(body);
var properties = new BasicProperties { Persistent = true, ContentType = "application/octet-stream" };
var inFlight = new List<Task>(window);
long published = 0;
var clock = Stopwatch.StartNew();
var end = TimeSpan.FromSeconds(seconds);
while (clock.Elapsed < end)
{
    inFlight.Add(channel.BasicPublishAsync(string.Empty, Queue, mandatory: true, properties, body).AsTask());
    if (inFlight.Count == window)
    {
        await Task.WhenAll(inFlight);
        published += inFlight.Count;
        inFlight.Clear();
    }
}

await Task.WhenAll(inFlight);
published += inFlight.Count;
var elapsed = clock.Elapsed.TotalSeconds;
await channel.QueueDeleteAsync(Queue);
Console.WriteLine($"{{\"published\":{published},\"seconds\":{elapsed:F3},\"rate\":{published / elapsed:F1}}}");
