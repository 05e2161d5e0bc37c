using StackExchange.Redis;

namespace AspireScale.Gateway;

// Purges the balancer's cache on the Api's Redis channel (Api/Caching/SurrogateKeys.cs), which carries the tags of every
// successful write, including those sent straight to a replica. A purge missed while the connection was down cannot be
// recovered, so the cache is not used until the subscription is live, and is flushed whenever the connection comes back.
public sealed partial class GatewayPurgeSubscriber : IHostedService, IAsyncDisposable
{
    // Keep equal to SurrogateKeys.PurgeChannel in the Api.
    private const string Channel = "conduit:surrogate-purge";

    private readonly GatewayCache _cache;
    private readonly ILogger _logger;
    private readonly string _connectionString;
    private readonly CancellationTokenSource _stopping = new();
    private ConnectionMultiplexer? _redis;
    private Task _subscribing = Task.CompletedTask;
    private volatile bool _listening;

    public GatewayPurgeSubscriber(GatewayCache cache, ILogger logger, string connectionString)
    {
        _cache = cache;
        _logger = logger;
        _connectionString = connectionString;
    }

    public bool IsListening => _listening;

    // Returns once connecting started: Redis may still be starting (the cache is bypassed until the subscription is live).
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = ConfigurationOptions.Parse(_connectionString);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 2000;
        options.ClientName = "gateway";
        _redis = await ConnectionMultiplexer.ConnectAsync(options);
        _redis.ConnectionFailed += OnConnectionFailed;
        _redis.ConnectionRestored += OnConnectionRestored;
        _subscribing = SubscribeAsync();
    }

    public Task StopAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _listening = false;
        await _stopping.CancelAsync();
        await _subscribing.ContinueWith(_ => { }, TaskScheduler.Default);
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    // Until Redis accepts the subscription; the multiplexer renews it by itself after a reconnect.
    private async Task SubscribeAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var queue = await _redis!.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Channel));
                queue.OnMessage(message => _cache.Purge(GatewayResponseCaching.ParseTags(message.Message.ToString())));
                _cache.Purge([GatewayCache.AllTag]);
                _listening = _redis.IsConnected;
                return;
            }
            // A connection dropped mid-call fails it as cancelled, which is not our stopping.
            catch (Exception exception) when (exception is RedisException or TimeoutException or OperationCanceledException
                && !_stopping.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (_listening)
        {
            LogLost(_logger, e.Exception);
        }

        _listening = false;
    }

    // Purges sent while we were away are lost: start from an empty cache, and no fills within the guard (by then the
    // multiplexer has renewed the subscription).
    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription && _subscribing.IsCompleted && !_stopping.IsCancellationRequested)
        {
            _cache.Purge([GatewayCache.AllTag]);
            _listening = _redis!.IsConnected;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the Redis purge channel; the response cache is bypassed until it is back")]
    private static partial void LogLost(ILogger logger, Exception? exception);
}
