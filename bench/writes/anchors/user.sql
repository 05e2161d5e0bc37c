-- What the endpoint sends for one request, as PostgreSQL logged it (log_statement = all, bench/writes/run.sh CAPTURE=1),
-- with its round trips as pgbench makes them. Outbox rows are written already sent (and with a trace id of all f), so
-- that the relay leaves them alone and run.sh can tell them apart.
-- PUT /api/user (the bio): one UPDATE, then the user with the WAL position in the same query.
UPDATE users AS u SET bio = 'bio ' || :r WHERE u.id = :me;
SELECT u.email, u.username, u.bio, u.image, pg_current_wal_lsn() FROM users AS u WHERE u.id = :me LIMIT 2;
