using System.Net;
using System.Text.Json.Nodes;
using AspireScale.Tests.Infrastructure;

namespace AspireScale.Tests.Topology;

// The gateway's load shedding (Gateway/LoadShedding.cs) with one request allowed at the replicas and none waiting: one
// request kept open (its body still uploading) holds the only place, so every other is shed at once.
[Collection(OwnTopology.Name)]
public sealed class LoadSheddingTests(LoadSheddingTests.Topology topology) : IClassFixture<LoadSheddingTests.Topology>
{
    [Fact]
    public async Task PastItsLimitTheGatewayAnswers503WithRetryAfterInTheCallersFormatAndServesAgainOnceThereIsRoom()
    {
        using var client = topology.App.CreateHttpClient();
        var upload = new HeldBody();
        using var holding = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/users", UriKind.Relative)) { Content = upload };
        var held = client.SendAsync(holding);
        await upload.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // Its headers may reach the gateway a moment after its first bytes leave here: until then "/" is still served.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var probe = await client.GetAsync(new Uri("/", UriKind.Relative));
            if (probe.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "the held request never took the gateway's only place");
            await Task.Delay(50);
        }

        using (var api = await client.GetAsync(new Uri("/api/user", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, api.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), api.Headers.RetryAfter?.Delta);
            Assert.Equal("application/json", api.Content.Headers.ContentType?.MediaType);
            var errors = JsonNode.Parse(await api.Content.ReadAsStringAsync())!["errors"]!.AsObject();
            Assert.Equal("is overloaded, retry in 1 s", Assert.Single(errors).Value![0]!.GetValue<string>());
        }

        using (var other = await client.GetAsync(new Uri("/", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, other.StatusCode);
            Assert.Equal("application/problem+json", other.Content.Headers.ContentType?.MediaType);
            Assert.Equal(503, JsonNode.Parse(await other.Content.ReadAsStringAsync())!["status"]!.GetValue<int>());
        }

        // The gateway's own endpoints are never limited.
        using (var health = await client.GetAsync(new Uri("/health", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        upload.Release();
        using (var answered = await held)
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, answered.StatusCode);
        }

        using var served = await client.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    // A JSON body sent in two parts, the second only when released.
    private sealed class HeldBody : HttpContent
    {
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public HeldBody() => Headers.ContentType = new("application/json");

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => released.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync("{\"user\":"u8.ToArray());
            await stream.FlushAsync();
            Started.TrySetResult();
            await released.Task;
            await stream.WriteAsync("{}}"u8.ToArray());
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    public sealed class Topology : IAsyncLifetime
    {
        private RunningAppHost? app;

        public RunningAppHost App => app ?? throw new InvalidOperationException("The AppHost did not start.");

        public async Task InitializeAsync()
        {
            var builder = DistributedApplicationTestingBuilder.Create("--replicas", "2");
            builder.Environment["Gateway__MaxConcurrentRequests"] = "1";
            builder.Environment["Gateway__MaxQueuedRequests"] = "0";
            app = await builder.StartAsync();
        }

        public async Task DisposeAsync()
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
        }
    }
}
