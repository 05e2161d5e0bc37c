-- What the endpoint sends for one request, as PostgreSQL logged it (log_statement = all, bench/writes/run.sh CAPTURE=1),
-- with its round trips as pgbench makes them. Outbox rows are written already sent (and with a trace id of all f), so
-- that the relay leaves them alone and run.sh can tell them apart.
-- POST /api/articles/{slug}/comments: the comment and its outbox row in one statement, then the view with the WAL position in the same query.
WITH added AS (
    INSERT INTO comments (article_id, author_id, body, created_at, updated_at)
    SELECT id, :me, 'comment ' || :r, now(), now() FROM articles WHERE slug = :other_slug
    RETURNING id),
queued AS (
    INSERT INTO outbox_messages (message_id, type, payload, trace_parent, created_at, sent_at)
    SELECT gen_random_uuid(), 'comment.added', json_build_object('commentId', id)::text, '00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01', now(), now() FROM added)
SELECT id AS comment_id FROM added \gset
SELECT c.id, c.created_at, c.updated_at, c.body, u.username, u.bio, u.image,
       EXISTS (SELECT 1 FROM follows AS f WHERE u.id = f.followee_id AND f.follower_id = :me), pg_current_wal_lsn()
FROM comments AS c INNER JOIN users AS u ON c.author_id = u.id WHERE c.id = :comment_id LIMIT 2;
