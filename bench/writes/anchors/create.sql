-- What the endpoint sends for one request, as PostgreSQL logged it (log_statement = all, bench/writes/run.sh CAPTURE=1),
-- with its round trips as pgbench makes them. Outbox rows are written already sent (and with a trace id of all f), so
-- that the relay leaves them alone and run.sh can tell them apart.
-- POST /api/articles: the article and its outbox row in one statement, then the view with the WAL position for read-your-writes in the same query.
WITH article AS (
    INSERT INTO articles (slug, title, description, body, tag_list, author_id, created_at, updated_at)
    VALUES ('anchor-' || :r, 'Anchor ' || :r, 'written by bench/writes', repeat('x', 600), '{bench,writes}', :me, now(), now()))
INSERT INTO outbox_messages (message_id, type, payload, trace_parent, created_at, sent_at)
VALUES (gen_random_uuid(), 'article.published', '{"authorId":' || :me || '}', '00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01', now(), now());
SELECT a.slug, a.title, a.description, a.body, a.tag_list, a.created_at, a.updated_at,
       EXISTS (SELECT 1 FROM favorites AS f WHERE a.id = f.article_id AND f.user_id = :me), a.favorites_count,
       u.username, u.bio, u.image,
       EXISTS (SELECT 1 FROM follows AS f0 WHERE u.id = f0.followee_id AND f0.follower_id = :me), pg_current_wal_lsn()
FROM articles AS a INNER JOIN users AS u ON a.author_id = u.id WHERE a.slug = 'anchor-' || :r LIMIT 2;
