#!/usr/bin/env bash
# What a change does to the uncached 20-article list (no output cache, no balancer cache, no rate limiting) on the seeded
# dataset: one API replica on a fresh system, warmed for WARMUP_UNCACHED seconds through the balancer, then RUNS runs
# through the balancer and RUNS straight at the replica, with the CPU time per request the Api's PostgreSQL backends and
# the replica used during the straight runs (from /proc/<pid>/stat). With BASE set, the same is done on the build of that git ref (a
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

# cpu_ticks PID...: their user and system CPU time so far, in clock ticks (a process gone since counts nothing).
cpu_ticks() { local pid t=0; for pid in "$@"; do t=$(( t + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0) )); done; echo "$t"; }
TICK_US=$(( 1000000 / $(getconf CLK_TCK) ))
CPU_ROWS=()

# one_start LABEL ROOT NAME: a fresh one-replica system from ROOT's build (apphost_start reads REPO) in the data folder
# NAME; prints its two rows and keeps its CPU row in CPU_ROWS.
one_start() {
  local label=$1 backends replica pg0 api0 requests
  REPO=$2 RateLimiting__Enabled=false Caching__OutputCache=false apphost_start "$3" --gateway-cache off --replicas 1
  "$THIS/bench/seed/seed.sh" "$APPHOST_JSON" >&2
  WARMUP=${WARMUP_UNCACHED:-120} measure "$label, through the balancer" "$GATEWAY/api/articles?limit=20"
  # The Api's sessions on this system's two servers (its pools keep them open); the reads go to the standby.
  backends=$(for postmaster in $(jq -r '.resources[] | select(.name | startswith("postgres")) | .replicas[].pid' "$APPHOST_JSON"); do
    pgrep -P "$postmaster" -f '^postgres: conduit conduit ' || true
  done | tr '\n' ' ')
  replica=$(jq -r '.resources[] | select(.name == "api") | .replicas[0].pid' "$APPHOST_JSON")
  pg0=$(cpu_ticks $backends); api0=$(cpu_ticks "$replica")
  WARMUP=0 measure "$label, straight at the replica" "$(replica_url 0)/api/articles?limit=20"
  requests=$(printf '%s\n' "${LAST_RUNS[@]}" | sed -nE 's/.*"requests":([0-9]+).*/\1/p' | awk '{n += $1} END {print n}')
  CPU_ROWS+=("| $label | $(( ($(cpu_ticks $backends) - pg0) * TICK_US / requests )) | $(( ($(cpu_ticks "$replica") - api0) * TICK_US / requests )) |")
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
echo
echo "| build, straight at the replica | PostgreSQL CPU µs per request | API replica CPU µs per request |"
echo "|---|---:|---:|"
printf '%s\n' "${CPU_ROWS[@]}"
