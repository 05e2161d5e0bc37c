-- A realistic Conduit dataset generated inside PostgreSQL (no round trips per row):
-- 1,000 users, 20,000 articles with 1-4 tags each, ~20,000 follows, ~50,000 favorites and ~40,000 comments.
-- Table and column names follow the Api's EF migrations (Api/Data/Migrations). Run by seed.sh in one transaction.
-- psql variables: password_hash (the Identity hash every user shares), users, articles.
\set ON_ERROR_STOP on
SELECT setseed(0.4242) AS seeded \gset

\echo users...
INSERT INTO users (username, email, password_hash, bio, image)
SELECT format('seed-user-%s', lpad(g::text, 4, '0')),
       format('seed-user-%s@seed.example', lpad(g::text, 4, '0')),
       :'password_hash',
       CASE WHEN g % 3 = 0 THEN NULL ELSE format('Seeded writer number %s. I write about %s.', g, (ARRAY['dragons','databases','distributed systems','cooking','running','jazz'])[1 + g % 6]) END,
       CASE WHEN g % 4 = 0 THEN NULL ELSE format('https://images.seed.example/avatars/%s.png', g) END
FROM generate_series(1, :users) AS g;

CREATE TEMP TABLE seed_users ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY id)::int AS n, id FROM users WHERE username LIKE 'seed-user-%';
CREATE UNIQUE INDEX ON seed_users (n);

\echo articles...
CREATE TEMP TABLE seed_tags ON COMMIT DROP AS
SELECT row_number() OVER ()::int AS n, tag FROM unnest(ARRAY[
  'dragons','training','reactjs','angularjs','dotnet','csharp','postgres','redis','rabbitmq','kubernetes',
  'azure','aspire','performance','testing','devops','architecture','api','security','observability','caching',
  'replication','scaling','javascript','typescript','rust','go','python','design','career','productivity',
  'databases','sql','nosql','cloud','linux','networking','http','grpc','graphql','rest',
  'microservices','monolith','events','queues','streaming','ml','ai','ux','css','html']) AS tag;

INSERT INTO articles (slug, title, description, body, tag_list, author_id, created_at, updated_at)
SELECT format('seed-article-%s-%s', g, (ARRAY['how-to-train-your-dragon','notes-on-replicas','a-week-with-postgres','scaling-reads','the-feed-problem','why-slugs-matter'])[1 + g % 6]),
       format('Seed article %s: %s', g, (ARRAY['How to train your dragon','Notes on replicas','A week with PostgreSQL','Scaling reads','The feed problem','Why slugs matter'])[1 + g % 6]),
       format('A seeded article (number %s) for benchmarks and demos.', g),
       repeat(format('Paragraph of seeded article %s. It takes a Jacobian, some patience and a good index. ', g), 8 + g % 24),
       ARRAY(SELECT tag FROM seed_tags WHERE n IN (1 + (g * 7) % 50, 1 + (g * 13) % 50, 1 + (g * 31) % 50, 1 + (g * 3) % 50) ORDER BY tag LIMIT 1 + g % 4),
       u.id,
       created,
       created + (random() * interval '3 days') * (g % 2)
FROM (SELECT g, 1 + floor(random() * :users)::int AS n,
             date_trunc('milliseconds', now() - random() * interval '365 days') AS created
      FROM generate_series(1, :articles) AS g) AS a
JOIN seed_users AS u USING (n);

CREATE TEMP TABLE seed_articles ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY id)::int AS n, id, created_at FROM articles WHERE slug LIKE 'seed-article-%';
CREATE UNIQUE INDEX ON seed_articles (n);

\echo follows...
INSERT INTO follows (follower_id, followee_id)
SELECT DISTINCT follower.id, followee.id
FROM (SELECT f, 1 + floor(random() * :users)::int AS a, 1 + floor(random() * :users)::int AS b
      FROM generate_series(1, :users * 20) AS f) AS pairs
JOIN seed_users AS follower ON follower.n = pairs.a
JOIN seed_users AS followee ON followee.n = pairs.b
WHERE follower.id <> followee.id
ON CONFLICT DO NOTHING;

\echo favorites...
INSERT INTO favorites (user_id, article_id)
SELECT DISTINCT u.id, a.id
FROM (SELECT 1 + floor(random() * :users)::int AS un,
             -- Skewed towards low article numbers so some articles are popular.
             1 + floor(power(random(), 2) * :articles)::int AS an
      FROM generate_series(1, :users * 50)) AS picks
JOIN seed_users AS u ON u.n = picks.un
JOIN seed_articles AS a ON a.n = picks.an
ON CONFLICT DO NOTHING;

\echo comments...
INSERT INTO comments (article_id, author_id, body, created_at, updated_at)
SELECT a.id, u.id,
       format('Seeded comment %s. %s', c, (ARRAY['Thank you so much!','His name was my name too.','Great read.','I disagree, politely.','What about the replica lag?'])[1 + c % 5]),
       a.created_at + c % 1000 * interval '1 minute',
       a.created_at + c % 1000 * interval '1 minute'
FROM (SELECT c, 1 + floor(random() * :articles)::int AS an, 1 + floor(random() * :users)::int AS un
      FROM generate_series(1, :articles * 2) AS c) AS picks
JOIN seed_articles AS a ON a.n = picks.an
JOIN seed_users AS u ON u.n = picks.un;
