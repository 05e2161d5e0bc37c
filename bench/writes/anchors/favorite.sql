-- What the endpoint sends for one request, as PostgreSQL logged it (log_statement = all, bench/writes/run.sh CAPTURE=1),
-- with its round trips as pgbench makes them. Outbox rows are written already sent (and with a trace id of all f), so
-- that the relay leaves them alone and run.sh can tell them apart.
-- Two requests, as bench/writes alternates them: POST then DELETE /api/articles/{slug}/favorite, each with the WAL
-- position (the row changed) in the query of the view.
INSERT INTO favorites (user_id, article_id) SELECT :me, id FROM articles WHERE slug = :other_slug ON CONFLICT DO NOTHING;
SELECT a.slug, a.title, a.description, a.body, a.tag_list, a.created_at, a.updated_at,
       EXISTS (SELECT 1 FROM favorites AS f WHERE a.id = f.article_id AND f.user_id = :me), a.favorites_count,
       u.username, u.bio, u.image,
       EXISTS (SELECT 1 FROM follows AS f0 WHERE u.id = f0.followee_id AND f0.follower_id = :me), pg_current_wal_lsn()
FROM articles AS a INNER JOIN users AS u ON a.author_id = u.id WHERE a.slug = :other_slug LIMIT 2;
DELETE FROM favorites AS f USING articles AS a WHERE f.article_id = a.id AND f.user_id = :me AND a.slug = :other_slug;
SELECT a.slug, a.title, a.description, a.body, a.tag_list, a.created_at, a.updated_at,
       EXISTS (SELECT 1 FROM favorites AS f WHERE a.id = f.article_id AND f.user_id = :me), a.favorites_count,
       u.username, u.bio, u.image,
       EXISTS (SELECT 1 FROM follows AS f0 WHERE u.id = f0.followee_id AND f0.follower_id = :me), pg_current_wal_lsn()
FROM articles AS a INNER JOIN users AS u ON a.author_id = u.id WHERE a.slug = :other_slug LIMIT 2;
