#!/usr/bin/env bash
# The jobs pipeline (POST /api/v2/exports -> outbox -> relay -> RabbitMQ -> Worker), on fresh systems (Release,
# Production, two API replicas, rate limiting off), one with 1 Worker and one with 2:
#   1. capacity: accepted jobs/s through the balancer at CONNECTIONS connections for SECONDS_LOAD s, with the p50/p99 of
#      the 202, 32 seeded users spread over the connections; then completed jobs/s end to end for those jobs (first
#      accepted -> last succeeded, from the jobs table), the rate once the load has stopped (the Worker alone; only
#      meaningful when a backlog is left) and the Worker processes' CPU time per completed job, from the load's start
#      until every job has finished;
#   2. with 1 Worker, at half the capacity just measured (paced connections, PACED_SECONDS s): the p99 from acceptance
#      to success, and the outbox's unsent rows and the queue's depth every 0.5 s (a chart: bench/lib/line-chart.cs);
#   3. RabbitMQ's raw confirmed-publish rate in the same system (raw-publish.cs).
# Prints Markdown tables; with CHART_DIR set, writes the outbox chart there as jobs-outbox.svg.
#
#   bench/jobs/run.sh          # SECONDS_LOAD=15 PACED_SECONDS=20 CONNECTIONS=32 RAW_SECONDS=10 WORKERS="1 2"
#   BASE=HEAD~1 ROUNDS=2 bench/jobs/run.sh   # the same on the build of that git ref, alternating with this one
#   PACED=off bench/jobs/run.sh              # capacity only (no paced run, no raw publish)
#
# Needs wrk, curl, jq, psql. Stops everything it started.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"
export BENCH_LIB

SECONDS_LOAD=${SECONDS_LOAD:-15}
PACED_SECONDS=${PACED_SECONDS:-20}
CONNECTIONS=${CONNECTIONS:-32}
RAW_SECONDS=${RAW_SECONDS:-10}
WORKERS=${WORKERS:-1 2}
ROUNDS=${ROUNDS:-1}
WORK=$(mktemp -d /tmp/aspirescale-jobs-XXXXXX)
trap cleanup_work EXIT
if [ -n "${BASE:-}" ]; then add_worktree "$BASE" "$WORK/base"; fi
build_apphost "$REPO"
pg() { psql -Atq -c "$1"; }

# Jobs created since the given time: "accepted succeeded span_s p99_s" (span: first accepted -> last succeeded).
jobs_since() {
  pg "SELECT count(*), count(*) FILTER (WHERE status = 'succeeded'),
        coalesce(round(extract(epoch FROM max(completed_at) - min(created_at))::numeric, 3), 0),
        coalesce(round((percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at)))::numeric, 3), 0)
      FROM jobs WHERE created_at >= '$1'" | tr '|' ' '
}
# Jobs of the run since $1 completed after $2 (the load's end) a second: the Worker's own rate, the API idle.
drain_rate() {
  pg "SELECT coalesce(round((count(*) / nullif(extract(epoch FROM max(completed_at) - '$2'), 0))::numeric, 1), 0)
      FROM jobs WHERE created_at >= '$1' AND completed_at > '$2'"
}
wait_drained() { # every job since $1 finished (5 minutes at most)
  local deadline=$(( $(date +%s) + 300 ))
  until [ "$(pg "SELECT count(*) FROM jobs WHERE created_at >= '$1' AND status NOT IN ('succeeded','failed')")" = 0 ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "jobs still pending after 300 s" >&2; return; }
    sleep 0.5
  done
}

ROWS=()
PACED_ROWS=()
# one_system LABEL ROOT NAME WORKERS: a fresh seeded system of the build at ROOT, measured.
one_system() {
  local label=$1 root=$2 name=$3 workers=$4 since ended workers_cpu worker_us accept accepted completed span lag_p99 rps e2e drained
  local half paced sampler first peak last raw
  APPHOST_ROOT=$root RateLimiting__Enabled=false apphost_start "$name" --replicas 2 --workers "$workers"
  "$REPO/bench/seed/seed.sh" "$APPHOST_JSON" >&2
  pg_env "$(jq -r '.connectionStrings.conduit' "$APPHOST_JSON")"
  seeded_actors "$WORK/actors"
  export ACTORS="$WORK/actors" WRITE=export

  # Warm-up (JIT, pools), drained, then the capacity run.
  WRITE=export wrk -t2 -c"$CONNECTIONS" -d5s --timeout 5s -s "$REPO/bench/writes/write.lua" "$GATEWAY" >/dev/null
  wait_drained "$(pg "SELECT now() - interval '1 hour'")"
  since=$(pg "SELECT now()")
  workers_cpu=$(cpu_ticks $(worker_pids))
  accept=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_LOAD}s" --timeout 5s -s "$REPO/bench/writes/write.lua" "$GATEWAY" | tail -n 1)
  ended=$(pg "SELECT now()")
  wait_drained "$since"
  drained=$(drain_rate "$since" "$ended")
  worker_us=$(( $(cpu_used "$workers_cpu" "$(cpu_ticks $(worker_pids))") * TICK_US ))
  read -r accepted completed span lag_p99 <<<"$(jobs_since "$since")"
  rps=$(sed -nE 's/.*"rps":([0-9.]+).*/\1/p' <<<"$accept")
  e2e=$(awk -v c="$completed" -v s="$span" 'BEGIN { printf "%.1f", (s > 0 ? c / s : 0) }')
  ROWS+=("| $label | $workers | $rps | $(sed -nE 's/.*"p50_ms":([0-9.]+).*/\1/p' <<<"$accept") | $(sed -nE 's/.*"p99_ms":([0-9.]+).*/\1/p' <<<"$accept") | $(sed -nE 's/.*"non2xx":([0-9]+).*/\1/p' <<<"$accept") | $accepted / $completed | $e2e | $drained | $(( worker_us / (completed > 0 ? completed : 1) )) | $lag_p99 |")

  if [ "$workers" = 1 ] && [ "${PACED:-on}" != off ]; then
    # Half the capacity: each connection waits CONNECTIONS / rate seconds between requests (wrk's delay()).
    half=$(awk -v r="$rps" 'BEGIN { printf "%.0f", r / 2 }')
    since=$(pg "SELECT now()")
    : >"$WORK/depth.csv"
    ( while :; do
        echo "$(date +%s.%N) $(pg "SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL")" >>"$WORK/depth.csv"
        sleep 0.5
      done ) &
    sampler=$!
    paced=$(PACE_MS=$(awk -v c="$CONNECTIONS" -v r="$half" 'BEGIN { printf "%.0f", 1000 * c / r }') \
      wrk -t2 -c"$CONNECTIONS" -d"${PACED_SECONDS}s" --timeout 5s -s "$REPO/bench/writes/write.lua" "$GATEWAY" | tail -n 1)
    wait_drained "$since"
    kill "$sampler"; wait "$sampler" 2>/dev/null || true
    read -r accepted completed span lag_p99 <<<"$(jobs_since "$since")"
    read -r first peak last <<<"$(awk 'NR == 1 {f = $2} {if ($2 > m) m = $2; l = $2} END {print f, m, l}' "$WORK/depth.csv")"
    PACED_ROWS+=("| $label | $half | $(sed -nE 's/.*"rps":([0-9.]+).*/\1/p' <<<"$paced") | $(sed -nE 's/.*"p99_ms":([0-9.]+).*/\1/p' <<<"$paced") | $accepted / $completed | $lag_p99 | $first / $peak / $last |")
    if [ -n "${CHART_DIR:-}" ] && [ "$root" = "$REPO" ]; then
      awk 'NR == 1 {t0 = $1} {printf "%.1f %s\n", $1 - t0, $2}' "$WORK/depth.csv" >"$WORK/depth.dat"
      dotnet run "$BENCH_LIB/line-chart.cs" -- "$WORK/depth.dat" "$CHART_DIR/jobs-outbox.svg" \
        "Unsent outbox rows at $half exports/s (1 Worker)" "seconds" "unsent rows" >&2
    fi
    raw=$(dotnet run "$REPO/bench/jobs/raw-publish.cs" -- "$(jq -r '.connectionStrings.messaging' "$APPHOST_JSON")" "$RAW_SECONDS" | tail -n 1)
    RAW_ROWS+=("$label: $(sed -nE 's/.*"rate":([0-9.]+).*/\1/p' <<<"$raw") msg/s")
  fi
  stop_all
}

RAW_ROWS=()
for round in $(seq "$ROUNDS"); do
  for workers in $WORKERS; do
    if [ -n "${BASE:-}" ]; then one_system "base $BASE" "$WORK/base" "base$round-$workers" "$workers"; fi
    one_system "$(checkout_label)" "$REPO" "head$round-$workers" "$workers"
  done
done

echo "Capacity: POST /api/v2/exports through the balancer, $CONNECTIONS connections, ${SECONDS_LOAD} s."
echo
echo "| build | Workers | accepted/s | p50 of the 202 ms | p99 of the 202 ms | non-2xx | accepted / succeeded | completed/s end to end | completed/s after the load | Worker CPU µs/job | p99 accepted -> succeeded s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
if [ "${#PACED_ROWS[@]}" -gt 0 ]; then
  echo
  echo "At half the capacity with 1 Worker (${PACED_SECONDS} s, paced):"
  echo
  echo "| build | target/s | sent/s | p99 of the 202 ms | accepted / succeeded | p99 accepted -> succeeded s | unsent outbox rows first / peak / last |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${PACED_ROWS[@]}"
  echo
  echo "RabbitMQ raw confirmed publish (512 B persistent, quorum queue, same system):"
  printf -- '- %s\n' "${RAW_ROWS[@]}"
fi
