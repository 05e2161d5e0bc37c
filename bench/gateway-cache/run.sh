#!/usr/bin/env bash
# The balancer's response cache: a cached article GET through the balancer with --gateway-cache on (answered by the
# balancer itself) and off (answered by a replica from the shared output cache), side by side with the bare Kestrel
# baseline returning the same bytes, as ratios from one run. wrk against 127.0.0.1 only, RUNS runs of DURATION seconds each, medians.
#
#   CONFIGURATION=Release bench/gateway-cache/run.sh       # RUNS=3 DURATION=10 (seconds) CONNECTIONS=32 by default
#
# Rate limiting is off in every run (the load comes from one IP), passed through the AppHost's environment.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"

RUNS=${RUNS:-3}
# Not $SECONDS: bash sets that itself (seconds since the shell started), so it is never unset.
SECONDS_PER_RUN=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
WORK=$(mktemp -d /tmp/aspirescale-gwcache-XXXXXX)
trap 'stop_all; rm -rf "$WORK"' EXIT

# One article through the API; sets SLUG once its reads may fill the caches.
prepare_article() {
  local token
  token=$(curl -fsS -X POST "$GATEWAY/api/users" -H 'content-type: application/json' \
    -d '{"user":{"username":"benchauthor","email":"bench@example.com","password":"password123"}}' | sed -E 's/.*"token":"([^"]+)".*/\1/')
  SLUG=$(curl -fsS -X POST "$GATEWAY/api/articles" -H "Authorization: Token $token" -H 'content-type: application/json' \
    -d "{\"article\":{\"title\":\"Bench article\",\"description\":\"$(printf 'd%.0s' $(seq 1 120))\",\"body\":\"$(printf 'b%.0s' $(seq 1 600))\",\"tagList\":[\"bench\"]}}" \
    | sed -E 's/.*"slug":"([^"]+)".*/\1/')
  # Fills are refused for the stale-fill guard (5 s) after a write touching the entry's tags: read until a hit.
  local deadline=$(( $(date +%s) + 30 ))
  until curl -fsS -D - -o /dev/null "$GATEWAY/api/articles/$SLUG" | grep -qiE "^(x-cache: hit|age:)"; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "the article was never cached" >&2; exit 1; }
    sleep 0.5
  done
}

echo "## Gateway response cache, cached article GET, $CONNECTIONS connections, $RUNS x ${SECONDS_PER_RUN}s, medians ($(nproc) cores, $CONFIGURATION)"
echo

echo "| article GET | req/s | p50 ms | p95 ms | p99 ms | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|"

RateLimiting__Enabled=false apphost_start on --gateway-cache on
prepare_article
curl -fsS "$GATEWAY/api/articles/$SLUG" >"$WORK/article.json"
verdict=$(curl -fsS -D - -o /dev/null "$GATEWAY/api/articles/$SLUG" | tr -d '\r' | sed -n 's/^X-Cache: //Ip')
measure "via balancer, gateway cache on (X-Cache: $verdict)" "$GATEWAY/api/articles/$SLUG"; ON=$LAST_RPS
stop_all

RateLimiting__Enabled=false apphost_start off --gateway-cache off
prepare_article
measure "via balancer, gateway cache off (replica's output cache)" "$GATEWAY/api/articles/$SLUG"; OFF=$LAST_RPS
stop_all

start_baseline "$WORK/article.json" application/json
measure "bare Kestrel, same bytes" "$BASELINE_URL/"; BASE=$LAST_RPS
stop_all
echo
awk -v on="$ON" -v off="$OFF" -v base="$BASE" 'BEGIN {
  printf "| ratio | value |\n|---|---:|\n| cache on / cache off | %.2f |\n| cache on / bare Kestrel | %.2f |\n| cache off / bare Kestrel | %.2f |\n", on / off, on / base, off / base }'
