-- Once per pgbench client (its variables outlive each transaction): the same signed-in user, own article, other user and
-- their article as bench/writes gives the API's client of the same number (seed-user-0001 + client_id, and +100).
\if :init = 0
SELECT u.id AS me, (SELECT a.slug FROM articles a WHERE a.author_id = u.id ORDER BY a.created_at DESC, a.id DESC LIMIT 1) AS slug,
       o.username AS other,
       (SELECT a.slug FROM articles a WHERE a.author_id = o.id ORDER BY a.created_at DESC, a.id DESC LIMIT 1) AS other_slug
FROM users u, users o
WHERE u.username = 'seed-user-' || lpad((:client_id + 1)::text, 4, '0')
  AND o.username = 'seed-user-' || lpad((:client_id + 101)::text, 4, '0') \gset
\set init 1
\endif
\set r random(1, 1000000000000)
