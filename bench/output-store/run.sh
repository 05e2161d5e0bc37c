#!/usr/bin/env bash
# What the output cache's store costs: the same cached 20-article list served by three copies of one API replica that
# differ only in where their output cache lives (Redis, shared by all replicas, as deployed; the process's own memory,
# what a single replica would use; none), against the bare Kestrel app returning the same bytes. Straight at each
# process, not through the balancer, so the balancer's hop is not in the figures (bench/http/run.sh measures with it).
#
# Launches the AppHost with one replica (rate limiting and the balancer's cache off), seeds 1,000 users / 20,000 articles
# (bench/seed), then starts two more API processes with the replica's own environment, connection strings included,
# and one setting changed: ConnectionStrings__cache empty (the in-memory store) and Caching__OutputCache=false (no
# cache). Prints medians as Markdown and the ratios.
#
#   bench/output-store/run.sh                        # RUNS=3 DURATION=10 CONNECTIONS=32 by default
#   WARMUP_UNCACHED=120 bench/output-store/run.sh
#
# Needs the Release build (dotnet build AppHost -c Release; dotnet build bench/Baseline -c Release), wrk, jq and curl
# on PATH. Stops everything it started.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"

RUNS=${RUNS:-3}
# Not $SECONDS: bash keeps its own count of elapsed seconds in that name.
SECONDS_PER_RUN=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
# The uncached list runs the Api's query path, which takes longer than the cached one to finish tiered compilation.
WARMUP_UNCACHED=${WARMUP_UNCACHED:-60}
LIST="/api/articles?limit=20"
WORK=$(mktemp -d /tmp/aspirescale-output-store-XXXXXX)
COPIES=()
stop_copies() { for pid in "${COPIES[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done; }
trap 'stop_copies; stop_all; rm -rf "$WORK"' EXIT

for file in "AppHost/bin/$CONFIGURATION/net10.0/AppHost.dll" "bench/Baseline/bin/$CONFIGURATION/net10.0/Baseline.dll"; do
  [ -f "$REPO/$file" ] || { echo "build first: dotnet build ${file%%/*} -c $CONFIGURATION" >&2; exit 1; }
done
for tool in wrk jq curl; do command -v "$tool" >/dev/null || { echo "$tool not found on PATH" >&2; exit 1; }; done

RateLimiting__Enabled=false apphost_start data --gateway-cache off --replicas 1
"$REPO/bench/seed/seed.sh" "$APPHOST_JSON" >&2
REDIS_URL=$(replica_url 0)
replica=$(replica_pid 0)

# start_copy NAME VAR=VALUE: the replica's process again on a free port, with its environment and one setting changed;
# sets COPY_URL once it answers /health. Called directly, not in $(...), so COPIES reaches the exit trap.
start_copy() {
  local name=$1 setting=$2 port dotnet environment=()
  port=$(free_port)
  dotnet=$(readlink "/proc/$replica/exe")
  mapfile -t -d '' environment < "/proc/$replica/environ"
  (cd "/proc/$replica/cwd" && exec env -i "${environment[@]}" "ASPNETCORE_URLS=http://127.0.0.1:$port" "$setting" \
    "$dotnet" "$REPO/Api/bin/$CONFIGURATION/net10.0/Api.dll") >"$WORK/$name.out" 2>&1 &
  COPIES+=($!)
  COPY_URL="http://127.0.0.1:$port"
  wait_http "$COPY_URL/health" 60 || { cat "$WORK/$name.out" >&2; exit 1; }
}
[ "$(tr '\0' '\n' < "/proc/$replica/cmdline" | tail -n 1)" = "$REPO/Api/bin/$CONFIGURATION/net10.0/Api.dll" ] \
  || { echo "replica 0 is not $REPO/Api/bin/$CONFIGURATION/net10.0/Api.dll" >&2; exit 1; }
start_copy memory "ConnectionStrings__cache="; MEMORY_URL=$COPY_URL
start_copy uncached "Caching__OutputCache=false"; UNCACHED_URL=$COPY_URL

# A cached copy answers a repeated request from its cache (the output cache adds Age); the uncached one never does.
served_from_cache() { curl -fsS -o /dev/null "$1$LIST"; curl -fsS -D - -o /dev/null "$1$LIST" | tr -d '\r' | grep -qi '^age:'; }
served_from_cache "$REDIS_URL" && served_from_cache "$MEMORY_URL" || { echo "a cached copy did not answer from its cache" >&2; exit 1; }
! served_from_cache "$UNCACHED_URL" || { echo "the uncached copy answered from a cache" >&2; exit 1; }

curl -fsS -o "$WORK/list.json" "$UNCACHED_URL$LIST"
for url in "$REDIS_URL" "$MEMORY_URL"; do
  cmp -s "$WORK/list.json" <(curl -fsS "$url$LIST") || { echo "$url serves a different list" >&2; exit 1; }
done
start_baseline "$WORK/list.json" "application/json; charset=utf-8"

echo "## The output cache's store, cached 20-article list straight at one process ($(checkout_label), $(nproc) cores,"
echo "$CONFIGURATION, $ENVIRONMENT, $CONNECTIONS connections, medians of $RUNS x ${SECONDS_PER_RUN}s)"
echo
echo "| $LIST | req/s | p50 ms | p95 ms | p99 ms | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|"
measure "bare Kestrel, same bytes" "$BASELINE_URL/"; bare=$LAST_RPS
measure "output cache in Redis (as deployed)" "$REDIS_URL$LIST"; redis=$LAST_RPS
measure "output cache in the process's memory" "$MEMORY_URL$LIST"; memory=$LAST_RPS
WARMUP=$WARMUP_UNCACHED measure "no output cache" "$UNCACHED_URL$LIST"; uncached=$LAST_RPS
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
echo "Redis store / uncached: $(ratio "$redis" "$uncached"); in-memory store / uncached: $(ratio "$memory" "$uncached")"
echo "Redis store / bare Kestrel: $(ratio "$redis" "$bare"); in-memory store / bare Kestrel: $(ratio "$memory" "$bare")"
