#!/usr/bin/env bash
# Read-path benchmark through the balancer, side by side with the bare Kestrel baseline returning the same bytes, in one
# process tree: cached article GET, cached 20-article list, the same list with the output cache off, and the list's
# bytes with and without compression. wrk against 127.0.0.1 only, RUNS runs of SECONDS each, medians printed as Markdown.
#
#   CONFIGURATION=Release bench/http/run.sh          # RUNS=3 SECONDS=10 CONNECTIONS=32 by default
#   SEED=1 bench/http/run.sh                          # seed 1,000 users / 20,000 articles first (bench/seed)
#
# Technique switches are configuration only (Caching__OutputCache=false, RateLimiting__Enabled=false), passed through
# the AppHost's environment, which its children inherit. Rate limiting is off in every run: the load comes from one IP.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"

RUNS=${RUNS:-3}
SECONDS_PER_RUN=${SECONDS:-10}
CONNECTIONS=${CONNECTIONS:-32}
WORK=$(mktemp -d /tmp/aspirescale-http-XXXXXX)
APPHOST_PID=""

stop_all() {
  [ -n "${BASELINE_PID:-}" ] && kill "$BASELINE_PID" 2>/dev/null && wait "$BASELINE_PID" 2>/dev/null || true
  BASELINE_PID=""
  if [ -n "$APPHOST_PID" ] && kill -0 "$APPHOST_PID" 2>/dev/null; then
    kill -TERM "$APPHOST_PID"; while kill -0 "$APPHOST_PID" 2>/dev/null; do sleep 0.2; done
  fi
  APPHOST_PID=""
}
trap 'stop_all; rm -rf "$WORK"' EXIT

# start_apphost NAME [ENV=VALUE...]: the AppHost with those settings; sets GATEWAY.
start_apphost() {
  local name=$1; shift
  env "$@" RateLimiting__Enabled=false dotnet "$REPO/AppHost/bin/$CONFIGURATION/net10.0/AppHost.dll" \
    --data "$WORK/$name" --fresh >"$WORK/$name.out" 2>&1 &
  APPHOST_PID=$!
  until grep -q '^ready: ' "$WORK/$name.out"; do
    kill -0 "$APPHOST_PID" 2>/dev/null || { cat "$WORK/$name.out" >&2; exit 1; }
    sleep 0.2
  done
  GATEWAY=$(sed -n 's/^ready: //p' "$WORK/$name.out")
}

# Some data through the API itself (the seed, when asked, adds the large dataset).
prepare_data() {
  local token
  token=$(curl -fsS -X POST "$GATEWAY/api/users" -H 'content-type: application/json' \
    -d '{"user":{"username":"benchauthor","email":"bench@example.com","password":"password123"}}' | sed -E 's/.*"token":"([^"]+)".*/\1/')
  for i in $(seq 1 25); do
    curl -fsS -o /dev/null -X POST "$GATEWAY/api/articles" -H "Authorization: Token $token" -H 'content-type: application/json' \
      -d "{\"article\":{\"title\":\"Bench article $i\",\"description\":\"$(printf 'd%.0s' $(seq 1 120))\",\"body\":\"$(printf 'b%.0s' $(seq 1 600))\",\"tagList\":[\"bench\",\"t$((i % 5))\"]}}"
  done
  [ "${SEED:-0}" = 1 ] && "$REPO/bench/seed/seed.sh" "$WORK/$1/apphost.json" >&2
  sleep 6 # the stale-fill guard (5 s) after the writes above, so reads may fill the cache
}

# measure LABEL URL [wrk args]: RUNS runs, one Markdown row of medians.
measure() {
  local label=$1 url=$2; shift 2
  local runs=()
  wrk_json "$url" "$CONNECTIONS" 3 "$@" >/dev/null # warm-up
  for _ in $(seq "$RUNS"); do runs+=("$(wrk_json "$url" "$CONNECTIONS" "$SECONDS_PER_RUN" "$@")"); done
  printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$(median_of rps "${runs[@]}")" "$(median_of p50_ms "${runs[@]}")" \
    "$(median_of p95_ms "${runs[@]}")" "$(median_of p99_ms "${runs[@]}")" "$(median_of non2xx "${runs[@]}")"
}

header() {
  echo "| $1 | req/s | p50 ms | p95 ms | p99 ms | non-2xx |"
  echo "|---|---:|---:|---:|---:|---:|"
}

echo "## Read path, $CONNECTIONS connections, $RUNS x ${SECONDS_PER_RUN}s, medians ($(nproc) cores, $CONFIGURATION)"
echo

start_apphost cached
prepare_data cached
curl -fsS "$GATEWAY/api/articles?limit=20" >"$WORK/list.json"
SLUG=$(grep -o '"slug":"[^"]*"' "$WORK/list.json" | head -1 | cut -d'"' -f4)
header "cached (output cache on)"
measure "article GET via balancer" "$GATEWAY/api/articles/$SLUG"
measure "20-article list via balancer" "$GATEWAY/api/articles?limit=20"
start_baseline "$WORK/list.json" application/json
measure "bare Kestrel, same list bytes" "$BASELINE_URL/"
kill "$BASELINE_PID"; wait "$BASELINE_PID" 2>/dev/null || true; BASELINE_PID=""
echo
identity=$(curl -fsS -o /dev/null -w '%{size_download}' "$GATEWAY/api/articles?limit=20")
brotli=$(curl -fsS -o /dev/null -w '%{size_download}' -H 'Accept-Encoding: br' "$GATEWAY/api/articles?limit=20")
gzip=$(curl -fsS -o /dev/null -w '%{size_download}' -H 'Accept-Encoding: gzip' "$GATEWAY/api/articles?limit=20")
echo "| 20-article list bytes | identity | br | gzip |"
echo "|---|---:|---:|---:|"
echo "| body | $identity | $brotli ($(( 100 - 100 * brotli / identity )) % fewer) | $gzip ($(( 100 - 100 * gzip / identity )) % fewer) |"
echo
stop_all

start_apphost uncached Caching__OutputCache=false
prepare_data uncached
header "uncached (Caching__OutputCache=false)"
measure "20-article list via balancer" "$GATEWAY/api/articles?limit=20"
start_baseline "$WORK/list.json" application/json
measure "bare Kestrel, same list bytes" "$BASELINE_URL/"
