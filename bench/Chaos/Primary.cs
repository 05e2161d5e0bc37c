using Npgsql;

namespace AspireScale.Bench.Chaos;

// Reads what the primary holds for the ledger's keys, once the Worker has done everything it was sent.
public static class Primary
{
    // Until every outbox message has been handled by the Worker (an inbox row) or the deadline passes; false then.
    public static async Task<bool> WaitForWorkerAsync(NpgsqlDataSource primary, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var until = DateTime.UtcNow + deadline;
        while (DateTime.UtcNow < until)
        {
            try
            {
                await using var command = primary.CreateCommand("""
                    SELECT count(*) FROM outbox_messages o
                    WHERE NOT EXISTS (SELECT 1 FROM inbox_messages i WHERE i.message_id = o.message_id)
                    """);
                if ((long)(await command.ExecuteScalarAsync(cancellationToken))! == 0)
                {
                    return true;
                }
            }
            catch (NpgsqlException)
            {
                // The primary may still be coming back from the fault.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }

        return false;
    }

    // Per table but the ones left out, its row count and a digest of every row: two equal fingerprints mean nothing was
    // written in between.
    public static async Task<Dictionary<string, string>> FingerprintAsync(
        NpgsqlDataSource primary, IReadOnlySet<string> except, CancellationToken cancellationToken)
    {
        var tables = new List<string>();
        await using (var list = primary.CreateCommand(
            "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' AND NOT tablename = ANY($1) ORDER BY 1"))
        {
            list.Parameters.Add(new NpgsqlParameter { Value = except.ToArray() });
            await using var reader = await list.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                tables.Add(reader.GetString(0));
            }
        }

        var fingerprint = new Dictionary<string, string>();
        foreach (var table in tables)
        {
            await using var digest = primary.CreateCommand(
                $"SELECT count(*) || ' ' || coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') FROM {table} t");
            fingerprint[table] = (string)(await digest.ExecuteScalarAsync(cancellationToken))!;
        }

        return fingerprint;
    }

    public static async Task<PrimaryState> ReadAsync(NpgsqlDataSource primary, Ledger ledger, IReadOnlyList<string> usernames, CancellationToken cancellationToken)
    {
        var articles = await CountsAsync<string>(primary, "SELECT title, count(*) FROM articles WHERE title = ANY($1) GROUP BY title",
            ledger.Articles.Select(a => a.Title).ToArray(), cancellationToken);
        var comments = await CountsAsync<string>(primary, "SELECT body, count(*) FROM comments WHERE body = ANY($1) GROUP BY body",
            ledger.Comments.Select(c => c.Body).ToArray(), cancellationToken);
        var notifications = await CountsAsync<long>(primary,
            "SELECT comment_id, count(*) FROM notifications WHERE comment_id = ANY($1) GROUP BY comment_id",
            ledger.Comments.Select(c => c.Id).ToArray(), cancellationToken);

        var pairs = new HashSet<(PairKind, string, string)>();
        await foreach (var (user, slug) in RowsAsync<string>(primary, """
            SELECT u.username, a.slug FROM favorites f JOIN users u ON u.id = f.user_id JOIN articles a ON a.id = f.article_id
            WHERE u.username = ANY($1)
            """, usernames.ToArray(), cancellationToken))
        {
            pairs.Add((PairKind.Favorite, user, slug));
        }

        await foreach (var (follower, followee) in RowsAsync<string>(primary, """
            SELECT u.username, t.username FROM follows f JOIN users u ON u.id = f.follower_id JOIN users t ON t.id = f.followee_id
            WHERE u.username = ANY($1)
            """, usernames.ToArray(), cancellationToken))
        {
            pairs.Add((PairKind.Follow, follower, followee));
        }

        var jobs = new Dictionary<Guid, string>();
        await foreach (var (id, status) in RowsAsync<Guid>(primary, "SELECT id, status FROM jobs WHERE id = ANY($1)", ledger.Jobs.ToArray(), cancellationToken))
        {
            jobs[id] = status;
        }

        return new PrimaryState(articles, comments, notifications, pairs, jobs);
    }

    private static async Task<Dictionary<TKey, int>> CountsAsync<TKey>(NpgsqlDataSource primary, string sql, TKey[] keys, CancellationToken cancellationToken)
        where TKey : notnull
    {
        var counts = new Dictionary<TKey, int>();
        await using var command = primary.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = keys });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[reader.GetFieldValue<TKey>(0)] = (int)reader.GetInt64(1);
        }

        return counts;
    }

    private static async IAsyncEnumerable<(TKey, string)> RowsAsync<TKey>(
        NpgsqlDataSource primary, string sql, object keys, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = primary.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = keys });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return (reader.GetFieldValue<TKey>(0), reader.GetString(1));
        }
    }
}
