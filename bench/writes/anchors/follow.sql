-- What the endpoint sends for one request, as PostgreSQL logged it (log_statement = all, bench/writes/run.sh CAPTURE=1),
-- with its round trips as pgbench makes them. Outbox rows are written already sent (and with a trace id of all f), so
-- that the relay leaves them alone and run.sh can tell them apart.
-- Two requests, as bench/writes alternates them: POST then DELETE /api/profiles/{username}/follow. Following copies the
-- followee's articles into the follower's feed in the same statement; unfollowing removes them in the same transaction.
-- Each answers with the profile, the WAL position read in the same query.
WITH followed AS (
    INSERT INTO follows (follower_id, followee_id) SELECT :me, id FROM users WHERE username = :other
    ON CONFLICT DO NOTHING
    RETURNING followee_id),
backfilled AS (
    INSERT INTO feed_entries (user_id, article_id, author_id, created_at)
    SELECT :me, a.id, a.author_id, a.created_at FROM followed JOIN articles a ON a.author_id = followed.followee_id
    ON CONFLICT DO NOTHING)
SELECT count(*)::int FROM followed;
SELECT u.username, u.bio, u.image, EXISTS (SELECT 1 FROM follows AS f WHERE u.id = f.followee_id AND f.follower_id = :me), pg_current_wal_lsn()
FROM users AS u WHERE u.username = :other LIMIT 2;
BEGIN;
DELETE FROM follows WHERE follower_id = :me AND followee_id = (SELECT id FROM users WHERE username = :other)
RETURNING followee_id AS followee \gset
DELETE FROM feed_entries AS f WHERE f.user_id = :me AND f.author_id = :followee;
COMMIT;
SELECT u.username, u.bio, u.image, EXISTS (SELECT 1 FROM follows AS f WHERE u.id = f.followee_id AND f.follower_id = :me), pg_current_wal_lsn()
FROM users AS u WHERE u.username = :other LIMIT 2;
