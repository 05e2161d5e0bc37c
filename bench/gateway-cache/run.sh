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
APPHOST_PID=""
BASELINE_PID=""

stop_all() {
  [ -n "$BASELINE_PID" ] && kill "$BASELINE_PID" 2>/dev/null && wait "$BASELINE_PID" 2>/dev/null || true
  BASELINE_PID=""
  if [ -n "$APPHOST_PID" ] && kill -0 "$APPHOST_PID" 2>/dev/null; then
    kill -TERM "$APPHOST_PID"; while kill -0 "$APPHOST_PID" 2>/dev/null; do sleep 0.2; done
  fi
  APPHOST_PID=""
}
trap 'stop_all; rm -rf "$WORK"' EXIT

# start_apphost NAME [AppHost args...]: sets GATEWAY.
start_apphost() {
  local name=$1; shift
  RateLimiting__Enabled=false dotnet "$REPO/AppHost/bin/$CONFIGURATION/net10.0/AppHost.dll" \
    --data "$WORK/$name" --fresh "$@" >"$WORK/$name.out" 2>&1 &
  APPHOST_PID=$!
  until grep -q '^ready: ' "$WORK/$name.out"; do
    kill -0 "$APPHOST_PID" 2>/dev/null || { cat "$WORK/$name.out" >&2; exit 1; }
    sleep 0.2
  done
  GATEWAY=$(sed -n 's/^ready: //p' "$WORK/$name.out")
}

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

# measure URL: RUNS runs; prints the median JSON fields "rps p50 p99 non2xx".
measure() {
  local runs=()
  wrk_json "$1" "$CONNECTIONS" 3 >/dev/null # warm-up
  for _ in $(seq "$RUNS"); do runs+=("$(wrk_json "$1" "$CONNECTIONS" "$SECONDS_PER_RUN")"); done
  echo "$(median_of rps "${runs[@]}") $(median_of p50_ms "${runs[@]}") $(median_of p99_ms "${runs[@]}") $(median_of non2xx "${runs[@]}")"
}

row() { # label "rps p50 p99 non2xx"
  set -- "$1" $2
  printf '| %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$5"
}

echo "## Gateway response cache, cached article GET, $CONNECTIONS connections, $RUNS x ${SECONDS_PER_RUN}s, medians ($(nproc) cores, $CONFIGURATION)"
echo

start_apphost on --gateway-cache on
prepare_article
curl -fsS "$GATEWAY/api/articles/$SLUG" >"$WORK/article.json"
verdict=$(curl -fsS -D - -o /dev/null "$GATEWAY/api/articles/$SLUG" | tr -d '\r' | sed -n 's/^X-Cache: //Ip')
ON=$(measure "$GATEWAY/api/articles/$SLUG")
stop_all

start_apphost off --gateway-cache off
prepare_article
OFF=$(measure "$GATEWAY/api/articles/$SLUG")
stop_all

start_baseline "$WORK/article.json" application/json
BASE=$(measure "$BASELINE_URL/")
stop_all

echo "| article GET | req/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---:|---:|---:|---:|"
row "via balancer, gateway cache on (X-Cache: $verdict)" "$ON"
row "via balancer, gateway cache off (replica's output cache)" "$OFF"
row "bare Kestrel, same bytes" "$BASE"
echo
rps() { echo "$1" | cut -d' ' -f1; }
awk -v on="$(rps "$ON")" -v off="$(rps "$OFF")" -v base="$(rps "$BASE")" 'BEGIN {
  printf "| ratio | value |\n|---|---:|\n| cache on / cache off | %.2f |\n| cache on / bare Kestrel | %.2f |\n| cache off / bare Kestrel | %.2f |\n", on / off, on / base, off / base }'
