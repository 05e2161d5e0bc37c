#!/usr/bin/env bash
# Deep pages: v1 offset paging vs v2 keyset cursors at the same depth, in one run of one system. Launches the AppHost
# (output cache, balancer cache and rate limiting off, so every request reaches PostgreSQL), seeds 1,000 users / 20,000 articles
# (bench/seed), walks the v2 cursor down to DEPTH articles, then measures with wrk against 127.0.0.1:
#   first page  v1 /api/articles?limit=20            v2 /api/v2/articles?limit=20
#   deep page   v1 /api/articles?limit=20&offset=D   v2 /api/v2/articles?limit=20&cursor=<cursor after D articles>
# and prints medians as Markdown, the deep-page throughput ratio, and both deep queries' EXPLAIN ANALYZE timings.
#
#   bench/pagination/run.sh                          # RUNS=1 DURATION=5 CONNECTIONS=16 DEPTH=19000 by default
#   RUNS=3 DURATION=10 bench/pagination/run.sh
#
# Needs the Release build (dotnet build AppHost -c Release), wrk and psql on PATH. Stops everything it started.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"

RUNS=${RUNS:-1}
# Not $SECONDS: bash keeps its own count of elapsed seconds in that name.
SECONDS_PER_RUN=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-16}
DEPTH=${DEPTH:-19000}
WORK=$(mktemp -d /tmp/aspirescale-pagination-XXXXXX)
trap 'stop_all; rm -rf "$WORK"' EXIT

[ -f "$REPO/AppHost/bin/$CONFIGURATION/net10.0/AppHost.dll" ] || { echo "build first: dotnet build AppHost -c $CONFIGURATION" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk not found on PATH" >&2; exit 1; }

# nextCursor of a v2 page (no jq needed).
next_cursor() { curl -fsS "$1" | sed -nE 's/.*"nextCursor":"([^"]+)".*/\1/p'; }

Caching__OutputCache=false RateLimiting__Enabled=false apphost_start data --gateway-cache off
"$REPO/bench/seed/seed.sh" "$APPHOST_JSON" >&2

# Down to DEPTH by cursor, 100 articles a page (the cursor is signed by the API, so it cannot be made up here).
cursor=""
for _ in $(seq $(( DEPTH / 100 ))); do
  cursor=$(next_cursor "$GATEWAY/api/v2/articles?limit=100${cursor:+&cursor=$cursor}")
  [ -n "$cursor" ] || { echo "the list ended before $DEPTH articles" >&2; exit 1; }
done
# The two deep pages must be the same articles, or the comparison is meaningless.
v1_first=$(curl -fsS "$GATEWAY/api/articles?limit=20&offset=$DEPTH" | grep -o '"slug":"[^"]*"' | head -1)
v2_first=$(curl -fsS "$GATEWAY/api/v2/articles?limit=20&cursor=$cursor" | grep -o '"slug":"[^"]*"' | head -1)
[ -n "$v1_first" ] && [ "$v1_first" = "$v2_first" ] || { echo "deep pages differ: v1 $v1_first, v2 $v2_first" >&2; exit 1; }
# Nothing may answer from a cache, or both would measure the cache: no Age, no X-Cache hit on a repeated request.
for url in "$GATEWAY/api/articles?limit=20&offset=$DEPTH" "$GATEWAY/api/v2/articles?limit=20&cursor=$cursor"; do
  curl -fsS -o /dev/null "$url"
  if curl -fsS -D - -o /dev/null "$url" | tr -d '\r' | grep -qiE '^(age:|x-cache: *hit)'; then
    echo "$url was answered from a cache; the comparison needs every request to reach the database" >&2; exit 1
  fi
done
total=$(curl -fsS "$GATEWAY/api/articles?limit=1" | sed -nE 's/.*"articlesCount":([0-9]+).*/\1/p')

echo "## Pagination, $total articles, deep page at $DEPTH, $CONNECTIONS connections, $RUNS x ${SECONDS_PER_RUN}s, medians ($(nproc) cores, $CONFIGURATION, output and balancer caches off)"
echo
echo "| 20-article page | req/s | p50 ms | p95 ms | p99 ms | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|"
measure "v1 offset, first page" "$GATEWAY/api/articles?limit=20"
measure "v2 cursor, first page" "$GATEWAY/api/v2/articles?limit=20"
measure "v1 offset=$DEPTH" "$GATEWAY/api/articles?limit=20&offset=$DEPTH"
deep_offset=$LAST_RPS
measure "v2 cursor at $DEPTH" "$GATEWAY/api/v2/articles?limit=20&cursor=$cursor"
deep_cursor=$LAST_RPS
echo
echo "deep page throughput, cursor / offset: $(awk -v c="$deep_cursor" -v o="$deep_offset" 'BEGIN { printf "%.1fx", c / o }')"

# The database side alone: the page query each version runs at that depth (v1 also counts every row first).
conn=$(sed -nE 's/.*"conduit": *"([^"]+)".*/\1/p' "$WORK/data/apphost.json")
export PGHOST=$(sed -nE 's/.*Host=([^;]+).*/\1/p' <<<"$conn") PGPORT=$(sed -nE 's/.*Port=([^;]+).*/\1/p' <<<"$conn") \
  PGUSER=$(sed -nE 's/.*Username=([^;]+).*/\1/p' <<<"$conn") PGPASSWORD=$(sed -nE 's/.*Password=([^;]+).*/\1/p' <<<"$conn") \
  PGDATABASE=$(sed -nE 's/.*Database=([^;]+).*/\1/p' <<<"$conn")
boundary=$(psql -XAtq -c "SELECT created_at || '|' || id FROM articles ORDER BY created_at DESC, id DESC OFFSET $(( DEPTH - 1 )) LIMIT 1")
plan_ms() { psql -XAtq -c "EXPLAIN (ANALYZE, FORMAT JSON) $1" | sed -nE 's/.*"Execution Time": ([0-9.]+).*/\1/p'; }
echo
echo "| SQL at depth $DEPTH (primary, EXPLAIN ANALYZE) | execution ms |"
echo "|---|---:|"
echo "| count(*) (v1 runs it for articlesCount) | $(plan_ms "SELECT count(*) FROM articles") |"
echo "| ORDER BY created_at DESC, id DESC OFFSET $DEPTH LIMIT 20 | $(plan_ms "SELECT id, slug FROM articles ORDER BY created_at DESC, id DESC OFFSET $DEPTH LIMIT 20") |"
echo "| WHERE (created_at, id) < (c, id) ORDER BY ... LIMIT 21 | $(plan_ms "SELECT id, slug FROM articles WHERE (created_at, id) < ('${boundary%|*}', ${boundary#*|}) ORDER BY created_at DESC, id DESC LIMIT 21") |"
stop_all
