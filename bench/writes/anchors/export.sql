-- What the endpoint sends for one request, as PostgreSQL logged it (log_statement = all, bench/writes/run.sh CAPTURE=1),
-- with its round trips as pgbench makes them. Outbox rows are written already sent (and with a trace id of all f), so
-- that the relay leaves them alone and run.sh can tell them apart.
-- POST /api/v2/exports: the job and its outbox row in one statement (jobs are read from the primary: no WAL position).
WITH job AS (
    INSERT INTO jobs (id, owner_id, kind, status, format, idempotency_key, attempts, created_at)
    VALUES (gen_random_uuid(), :me, 'export', 'queued', 'json', NULL, 0, now()))
INSERT INTO outbox_messages (message_id, type, payload, trace_parent, created_at, sent_at)
VALUES (gen_random_uuid(), 'export.requested', '{"jobId":"01a24d1d-7954-7696-8125-d75d2184eb05"}', '00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01', now(), now());
