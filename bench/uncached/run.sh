#!/usr/bin/env bash
# What a change does to the uncached 20-article list (no output cache, no balancer cache, no rate limiting) on the seeded
# dataset: one API replica on a fresh system, warmed for WARMUP_UNCACHED seconds through the balancer, then RUNS runs
# through the balancer and RUNS straight at the replica. With BASE set, the same is done on the build of that git ref (a
# temporary worktree), alternating with this checkout's build ROUNDS times, so both share the machine's state of the
# moment. Medians printed as Markdown.
#
#   BASE=HEAD~1 bench/uncached/run.sh    # ROUNDS=2 RUNS=3 DURATION=6 CONNECTIONS=32 WARMUP_UNCACHED=120 by default
#
# Builds the BASE worktree and this checkout ($CONFIGURATION, Release by default). Needs wrk, jq and psql. Stops
# everything it started.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"

ROUNDS=${ROUNDS:-2}
RUNS=${RUNS:-3}
SECONDS_PER_RUN=${DURATION:-6}
CONNECTIONS=${CONNECTIONS:-32}
WORK=$(mktemp -d /tmp/aspirescale-uncached-XXXXXX)
THIS=$REPO
cleanup() {
  stop_all
  if [ -n "${BASE:-}" ]; then remove_worktree "$WORK/base"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -n "${BASE:-}" ]; then add_worktree "$BASE" "$WORK/base"; fi
build_apphost "$THIS"

# one_start LABEL ROOT NAME: a fresh one-replica system from ROOT's build (apphost_start reads REPO) in the data folder
# NAME; prints its two rows.
one_start() {
  local label=$1
  REPO=$2 RateLimiting__Enabled=false Caching__OutputCache=false apphost_start "$3" --gateway-cache off --replicas 1
  "$THIS/bench/seed/seed.sh" "$APPHOST_JSON" >&2
  WARMUP=${WARMUP_UNCACHED:-120} measure "$label, through the balancer" "$GATEWAY/api/articles?limit=20"
  WARMUP=0 measure "$label, straight at the replica" "$(replica_url 0)/api/articles?limit=20"
  stop_all
}

echo "## Uncached 20-article list, one replica, $CONNECTIONS connections, $RUNS x ${SECONDS_PER_RUN}s, medians ($(nproc) cores, $CONFIGURATION)"
echo
this_label=$(checkout_label)
echo "| build | req/s | p50 ms | p95 ms | p99 ms | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|"
for round in $(seq "$ROUNDS"); do
  if [ -n "${BASE:-}" ]; then one_start "$BASE" "$WORK/base" "base-$round"; fi
  one_start "$this_label" "$THIS" "this-$round"
done
