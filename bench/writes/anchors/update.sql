-- What the endpoint sends for one request, as PostgreSQL logged it (log_statement = all, bench/writes/run.sh CAPTURE=1),
-- with its round trips as pgbench makes them. Outbox rows are written already sent (and with a trace id of all f), so
-- that the relay leaves them alone and run.sh can tell them apart.
-- PUT /api/articles/{slug} (the body): one owner-scoped UPDATE, then the view with the WAL position in the same query.
UPDATE articles AS a SET updated_at = now(), body = 'updated ' || :r WHERE a.slug = :slug AND a.author_id = :me;
SELECT a.slug, a.title, a.description, a.body, a.tag_list, a.created_at, a.updated_at,
       EXISTS (SELECT 1 FROM favorites AS f WHERE a.id = f.article_id AND f.user_id = :me), a.favorites_count,
       u.username, u.bio, u.image,
       EXISTS (SELECT 1 FROM follows AS f0 WHERE u.id = f0.followee_id AND f0.follower_id = :me), pg_current_wal_lsn()
FROM articles AS a INNER JOIN users AS u ON a.author_id = u.id WHERE a.slug = :slug LIMIT 2;
