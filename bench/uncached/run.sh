#!/usr/bin/env bash
# What a change does to the uncached 20-article list (no output cache, no balancer cache, no rate limiting) on the
# seeded dataset: one API replica on a fresh system, warmed for WARMUP_UNCACHED seconds through the balancer, then RUNS
# runs through the balancer and RUNS straight at the replica, with the CPU time per request that the PostgreSQL sessions
# on the conduit database and the replica used during the straight runs (from /proc/<pid>/stat). With BASE set, the same is
# done on the build of that git ref (a temporary worktree), alternating with this checkout's build ROUNDS times, so both
# share the machine's state of the moment. Medians printed as Markdown.
#
#   BASE=HEAD~1 bench/uncached/run.sh    # ROUNDS=2 RUNS=3 DURATION=6 CONNECTIONS=32 WARMUP_UNCACHED=120 by default
#
# The page's statement alone, as PostgreSQL runs it prepared, with its limit and offset as parameters and with the limit
# written in (on a seeded system, against the standby's port in <data>/apphost.json, as the superuser whose password is
# <data>/secrets/postgres-superuser):
#   pgbench -h 127.0.0.1 -p PORT -U postgres -n -M prepared -c 1 -T 8 -f bench/uncached/page-parameters.sql conduit
#   pgbench -h 127.0.0.1 -p PORT -U postgres -n -M prepared -c 1 -T 8 -f bench/uncached/page-first.sql conduit
#
# Builds the BASE worktree and this checkout ($CONFIGURATION, Release by default). Needs wrk, jq and psql. Stops
# everything it started.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"

ROUNDS=${ROUNDS:-2}
RUNS=${RUNS:-3}
SECONDS_PER_RUN=${DURATION:-6}
CONNECTIONS=${CONNECTIONS:-32}
WORK=$(mktemp -d /tmp/aspirescale-uncached-XXXXXX)
trap cleanup_work EXIT

if [ -n "${BASE:-}" ]; then add_worktree "$BASE" "$WORK/base"; fi
build_apphost "$REPO"

TICK_US=$(( 1000000 / $(getconf CLK_TCK) ))
# cpu_ticks PID...: "pid ticks" per line, their user and system CPU time so far (processes gone since are left out).
cpu_ticks() {
  local pid
  for pid in "$@"; do awk -v pid="$pid" '{print pid, $14 + $15}' "/proc/$pid/stat" 2>/dev/null || true; done
}
# cpu_used BEFORE AFTER: the ticks used between the two readings by the processes in both.
cpu_used() { join <(sort <<<"$1") <(sort <<<"$2") | awk '{t += $3 - $2} END {print t + 0}'; }
CPU_ROWS=()

# one_start LABEL ROOT NAME: a fresh one-replica system from ROOT's build in the data folder NAME; prints its two rows
# and keeps its CPU row in CPU_ROWS.
one_start() {
  local label=$1 sessions replica pg0 api0 requests pg_us api_us
  start_uncached_replica "$2" "$3"
  WARMUP=${WARMUP_UNCACHED:-120} measure "$label, through the balancer" "$GATEWAY/api/articles?limit=20"
  # The sessions on the conduit database of this system's two servers, whichever role they log in as (our earlier engine
  # made a conduit role; the Aspire AppHost's services log in as postgres): the Api's pools (the reads go to the standby),
  # and on the primary the Worker's and the health checks', idle under this load.
  local postmasters
  postmasters=$(jq -r '.resources[] | select(.name | startswith("postgres")) | .replicas[].pid' "$APPHOST_JSON")
  sessions=$(for postmaster in $postmasters; do pgrep -P "$postmaster" -f '^postgres: [a-z_]+ conduit ' || true; done)
  [ -n "$sessions" ] || { echo "no PostgreSQL session on the conduit database found" >&2; exit 1; }
  replica=$(replica_pid 0)
  pg0=$(cpu_ticks $sessions); api0=$(cpu_ticks "$replica")
  WARMUP=0 measure "$label, straight at the replica" "$(replica_url 0)/api/articles?limit=20"
  requests=$(printf '%s\n' "${LAST_RUNS[@]}" | sed -nE 's/.*"requests":([0-9]+).*/\1/p' | awk '{n += $1} END {print n + 0}')
  [ "$requests" -gt 0 ] || { echo "no request answered straight at the replica" >&2; exit 1; }
  pg_us=$(( $(cpu_used "$pg0" "$(cpu_ticks $sessions)") * TICK_US / requests ))
  api_us=$(( $(cpu_used "$api0" "$(cpu_ticks "$replica")") * TICK_US / requests ))
  CPU_ROWS+=("| $label | $pg_us | $api_us |")
  stop_all
}

echo "## Uncached 20-article list, one replica, $CONNECTIONS connections, $RUNS x ${SECONDS_PER_RUN}s, medians ($(nproc) cores, $CONFIGURATION)"
echo
this_label=$(checkout_label)
base_label=$(git -C "$REPO" rev-parse --short "${BASE:-HEAD}")
echo "| build | req/s | p50 ms | p95 ms | p99 ms | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|"
for round in $(seq "$ROUNDS"); do
  if [ -n "${BASE:-}" ]; then one_start "$base_label" "$WORK/base" "base-$round"; fi
  one_start "$this_label" "$REPO" "this-$round"
done
echo
echo "| build, straight at the replica | PostgreSQL CPU µs per request | API replica CPU µs per request |"
echo "|---|---:|---:|"
printf '%s\n' "${CPU_ROWS[@]}"
