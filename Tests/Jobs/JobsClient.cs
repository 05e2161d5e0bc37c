using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AspireScale.Tests.Api.Infrastructure;
using Npgsql;

namespace AspireScale.Tests.Jobs;

// The jobs API as the tests use it, plus direct looks at the database and an "eventually" helper that polls observable
// state with a deadline (never a fixed sleep).
public sealed class JobsClient(HttpClient http, string conduitConnectionString) : IAsyncDisposable
{
    private readonly NpgsqlDataSource _db = NpgsqlDataSource.Create(conduitConnectionString);

    public ConduitClient Conduit { get; } = new(http);

    public NpgsqlDataSource Db => _db;

    public async Task<HttpResponseMessage> SubmitExportAsync(
        TestUser user, string format, string? idempotencyKey = null, object? testFault = null, string? traceParent = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v2/exports")
        {
            Content = JsonContent.Create(new { export = new { format, testFault } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Token", user.Token);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (traceParent is not null)
        {
            request.Headers.Add("traceparent", traceParent);
        }

        return await http.SendAsync(request);
    }

    public async Task<Guid> AcceptExportAsync(TestUser user, string format = "json", object? testFault = null)
    {
        using var response = await SubmitExportAsync(user, format, testFault: testFault);
        var json = await response.ReadJsonAsync(HttpStatusCode.Accepted);
        return json.GetProperty("job").GetProperty("id").GetGuid();
    }

    public async Task<JsonElement> GetJobAsync(TestUser user, Guid id) =>
        (await Conduit.GetOkAsync($"/api/v2/jobs/{id}", user.Token)).GetProperty("job");

    public async Task<JsonElement> WaitForJobAsync(TestUser user, Guid id, string status, TimeSpan timeout)
    {
        JsonElement job = default;
        await Eventually.HoldsAsync(async () =>
        {
            job = await GetJobAsync(user, id);
            return job.GetProperty("status").GetString() == status;
        }, timeout, () => $"job {id} to be {status}; last seen {job}");
        return job;
    }

    public async Task<long> UserIdAsync(string username)
    {
        await using var command = _db.CreateCommand("SELECT id FROM users WHERE username = $1");
        command.Parameters.AddWithValue(username);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async Task<T?> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = _db.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }

        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public ValueTask DisposeAsync() => _db.DisposeAsync();
}

public static class Eventually
{
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out after {timeout} waiting for {what()}");
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }
}
