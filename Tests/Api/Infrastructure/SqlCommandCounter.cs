using System.Collections.Concurrent;
using System.Diagnostics;

namespace AspireScale.Tests.Api.Infrastructure;

// Counts the SQL commands one request runs, from Npgsql's own activities: no Api internals needed. The request carries
// a fresh W3C trace id, ASP.NET Core continues that trace, and every Npgsql command activity under it is one round trip
// (a batch counts once). Other tests' commands run under other trace ids and are not counted.
public sealed class SqlCommandCounter : IDisposable
{
    private readonly ActivityListener listener;
    private readonly ConcurrentDictionary<ActivityTraceId, ConcurrentQueue<string>> commands = new();

    public SqlCommandCounter()
    {
        listener = new ActivityListener
        {
            // ASP.NET Core only starts its request activity (and so continues our trace) when someone listens to it.
            ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Record,
        };
        ActivitySource.AddActivityListener(listener);
    }

    public async Task<(HttpResponseMessage Response, IReadOnlyList<string> Commands)> SendAsync(HttpClient http, HttpRequestMessage request)
    {
        var traceId = ActivityTraceId.CreateRandom();
        request.Headers.Remove("traceparent");
        request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return (response, commands.TryRemove(traceId, out var recorded) ? [.. recorded] : []);
    }

    // A GET, signed in when a token is given.
    public Task<(HttpResponseMessage Response, IReadOnlyList<string> Commands)> GetAsync(HttpClient http, string path, string? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Token", token);
        }

        return SendAsync(http, request);
    }

    public void Dispose() => listener.Dispose();

    private void Record(Activity activity)
    {
        // Physical connection opens ("CONNECT ...") are not commands; the pool makes them rare and they are not N+1.
        if (activity.Source.Name != "Npgsql" || activity.DisplayName.StartsWith("CONNECT", StringComparison.Ordinal))
        {
            return;
        }

        var text = activity.GetTagItem("db.query.text") as string ?? activity.GetTagItem("db.statement") as string ?? activity.DisplayName;
        commands.GetOrAdd(activity.TraceId, _ => new ConcurrentQueue<string>()).Enqueue(text);
    }
}
