#!/usr/bin/env bash
# Read-path benchmark through the balancer, side by side with the bare Kestrel baseline returning the same bytes, in one
# run: cached article GET and 20-article list (every cache on), the list with only the Redis output cache (balancer cache
# off; through the balancer, then straight at one replica), `/alive` through the balancer (the ceiling of any answer
# from a replica), the list with no cache at all (two replicas, then one, then that one without the balancer), the API
# replicas' resident memory after each load and its peak, and the list's bytes with and without compression. wrk against
# 127.0.0.1 only, RUNS runs of DURATION seconds each, medians printed as Markdown.
#
#   CONFIGURATION=Release bench/http/run.sh          # RUNS=3 DURATION=10 CONNECTIONS=32 by default
#   SEED=1 bench/http/run.sh                          # seed 1,000 users / 20,000 articles first (bench/seed)
#
# Technique switches are configuration only (Caching__OutputCache=false, RateLimiting__Enabled=false, passed through the
# AppHost's environment, which its children inherit; --gateway-cache off on the AppHost). Rate limiting is off in every
# run: the load comes from one IP.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"

RUNS=${RUNS:-3}
SECONDS_PER_RUN=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
WORK=$(mktemp -d /tmp/aspirescale-http-XXXXXX)
trap 'stop_all; rm -rf "$WORK"' EXIT

# Some data through the API itself (the seed, when asked, adds the large dataset).
prepare_data() {
  local token
  token=$(curl -fsS -X POST "$GATEWAY/api/users" -H 'content-type: application/json' \
    -d '{"user":{"username":"benchauthor","email":"bench@example.com","password":"password123"}}' | sed -E 's/.*"token":"([^"]+)".*/\1/')
  for i in $(seq 1 25); do
    curl -fsS -o /dev/null -X POST "$GATEWAY/api/articles" -H "Authorization: Token $token" -H 'content-type: application/json' \
      -d "{\"article\":{\"title\":\"Bench article $i\",\"description\":\"$(printf 'd%.0s' $(seq 1 120))\",\"body\":\"$(printf 'b%.0s' $(seq 1 600))\",\"tagList\":[\"bench\",\"t$((i % 5))\"]}}"
  done
  if [ "${SEED:-0}" = 1 ]; then "$REPO/bench/seed/seed.sh" "$APPHOST_JSON" >&2; fi
  sleep 6 # the stale-fill guard (5 s) after the writes above, so reads may fill the caches
}

# api_rss: "a/b | c/d": MiB of the running system's API replicas right after a load, and each one's peak until then.
api_rss() {
  local pids pid now=() peak=()
  pids=$(api_replicas | jq -r .pid)
  for pid in $pids; do now+=("$(rss_mb "$pid")"); peak+=("$(rss_mb "$pid" VmHWM)"); done
  local IFS=/; echo "${now[*]} | ${peak[*]}"
}

echo "## Read path, $CONNECTIONS connections, $RUNS x ${SECONDS_PER_RUN}s, medians ($(nproc) cores, $CONFIGURATION, seed ${SEED:-0})"
echo
echo "| through the balancer | req/s | p50 ms | p95 ms | p99 ms | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|"

RateLimiting__Enabled=false apphost_start cached
prepare_data
curl -fsS "$GATEWAY/api/articles?limit=20" >"$WORK/list.json"
curl -fsS "$GATEWAY/api/articles/$(jq -r '.articles[0].slug' "$WORK/list.json")" >"$WORK/article.json"
SLUG=$(jq -r '.article.slug' "$WORK/article.json")
measure "article GET, every cache on" "$GATEWAY/api/articles/$SLUG"
measure "20-article list, every cache on" "$GATEWAY/api/articles?limit=20"
rss_cached=$(api_rss)
identity=$(curl -fsS -o /dev/null -w '%{size_download}' "$GATEWAY/api/articles?limit=20")
brotli=$(curl -fsS -o /dev/null -w '%{size_download}' -H 'Accept-Encoding: br' "$GATEWAY/api/articles?limit=20")
gzip=$(curl -fsS -o /dev/null -w '%{size_download}' -H 'Accept-Encoding: gzip' "$GATEWAY/api/articles?limit=20")
stop_all

RateLimiting__Enabled=false apphost_start output --gateway-cache off
prepare_data
measure "20-article list, Redis output cache only (\`--gateway-cache off\`)" "$GATEWAY/api/articles?limit=20"
# The same hits without the balancer's hop: the technique's own ratio, against the uncached list loaded straight below.
measure "20-article list, Redis output cache only, one replica loaded straight (no balancer)" "$(replica_url 0)/api/articles?limit=20"
rss_output=$(api_rss)
# The ceiling of any answer a replica gives through the balancer: the liveness probe, no cache, no query, 7 bytes.
measure "\`/alive\` through the balancer to a replica (the proxy hop's ceiling)" "$GATEWAY/alive"
stop_all

# measure_uncached NAME LABEL [AppHost args...]: the list on a fresh system with no cache at all; sets UNCACHED_RSS.
# Every request runs the Api's query path, so tiered compilation takes longest here: warm up for WARMUP_UNCACHED seconds.
# With DIRECT_LABEL set, the same load then goes straight to the first replica, without the balancer, under that label.
measure_uncached() {
  local name=$1 label=$2; shift 2
  RateLimiting__Enabled=false Caching__OutputCache=false apphost_start "$name" --gateway-cache off "$@"
  prepare_data
  WARMUP=${WARMUP_UNCACHED:-120} measure "$label" "$GATEWAY/api/articles?limit=20"
  if [ -n "${DIRECT_LABEL:-}" ]; then
    measure "$DIRECT_LABEL" "$(replica_url 0)/api/articles?limit=20"
  fi
  UNCACHED_RSS=$(api_rss)
  stop_all
}

measure_uncached uncached "20-article list, no cache (\`--gateway-cache off\`, \`Caching__OutputCache=false\`)"
rss_uncached=$UNCACHED_RSS
# The same with one replica: on 2 cores a second replica adds no CPU, only another process to schedule. Then that replica
# loaded straight: the API's own capacity, as a single-process implementation would be measured, with no balancer
# sharing the two cores.
DIRECT_LABEL="20-article list, no cache, one replica loaded straight (no balancer)" \
  measure_uncached uncached1 "20-article list, no cache, one replica (\`--replicas 1\`)" --replicas 1
rss_uncached1=$UNCACHED_RSS

start_baseline "$WORK/article.json" application/json
measure "bare Kestrel, the article's bytes" "$BASELINE_URL/"
kill "$BASELINE_PID"; wait "$BASELINE_PID" 2>/dev/null || true; BASELINE_PID=""
start_baseline "$WORK/list.json" application/json
measure "bare Kestrel, the list's bytes" "$BASELINE_URL/"
stop_all
echo
echo "| API replicas' resident memory, MiB | right after the load | peak |"
echo "|---|---:|---:|"
echo "| every cache on | $rss_cached |"
echo "| Redis output cache only | $rss_output |"
echo "| no cache | $rss_uncached |"
echo "| no cache, one replica | $rss_uncached1 |"
echo
echo "| 20-article list bytes | identity | br | gzip |"
echo "|---|---:|---:|---:|"
echo "| body | $identity | $brotli ($(( 100 - (100 * brotli + identity / 2) / identity )) % fewer) | $gzip ($(( 100 - (100 * gzip + identity / 2) / identity )) % fewer) |"
