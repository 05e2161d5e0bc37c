-- The unfiltered first page as the Api sent it before 0ddf8b3: limit and offset as parameters (pgbench sends :vars as
-- parameters with -M prepared). Run beside page-first.sql; the command is in bench/uncached/run.sh.
\set uid 0
\set lim 20
\set off 0
SELECT a0.slug, a0.title, a0.description, a0.tag_list, a0.created_at, a0.updated_at, EXISTS (SELECT 1 FROM favorites AS f WHERE a0.id = f.article_id AND f.user_id = :uid), a0.favorites_count, u.username, u.bio, u.image, EXISTS (SELECT 1 FROM follows AS f0 WHERE u.id = f0.followee_id AND f0.follower_id = :uid), (SELECT a1.articles_count FROM article_totals AS a1 LIMIT 1) FROM (SELECT a.id, a.author_id, a.created_at, a.description, a.favorites_count, a.slug, a.tag_list, a.title, a.updated_at FROM articles AS a ORDER BY a.created_at DESC, a.id DESC LIMIT :lim OFFSET :off) AS a0 INNER JOIN users AS u ON a0.author_id = u.id ORDER BY a0.created_at DESC, a0.id DESC;
