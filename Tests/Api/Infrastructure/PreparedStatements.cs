using Microsoft.EntityFrameworkCore;

namespace AspireScale.Tests.Api.Infrastructure;

// The statements PostgreSQL holds prepared for the context's own open session, with how often each ran on a generic plan
// (kept) and on a custom one (planned for that execution's values).
internal static class PreparedStatements
{
    public static async Task<IReadOnlyList<(string Sql, long GenericPlans, long CustomPlans)>> ReadAsync(DbContext db, string containing)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE strpos(statement, $1) > 0";
        var parameter = command.CreateParameter();
        parameter.Value = containing;
        command.Parameters.Add(parameter);
        var statements = new List<(string Sql, long GenericPlans, long CustomPlans)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            statements.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        return statements;
    }
}
