using System.Net;
using System.Text.Json;
using AspireScale.Tests.Api.Infrastructure;

namespace AspireScale.Tests.Versioning;

// One GET to the in-process Api, with the data SQL it sent (the read routing's WAL-position probes left out).
internal static class SqlCapture
{
    public static async Task<(JsonElement Json, IReadOnlyList<string> Sql)> GetAsync(HttpClient http, string path, string? token = null)
    {
        using var counter = new SqlCommandCounter();
        var (response, commands) = await counter.GetAsync(http, path, token);
        using (response)
        {
            var json = await response.ReadJsonAsync(HttpStatusCode.OK);
            return (json, [.. commands.Where(c => !c.Contains("_lsn", StringComparison.OrdinalIgnoreCase))]);
        }
    }
}
