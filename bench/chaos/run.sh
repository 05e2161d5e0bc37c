#!/usr/bin/env bash
# Faults under load, one per run, each on a fresh seeded system (Release, Production, two API replicas, one Worker, rate
# limiting off): the chaos load (bench/Chaos) sends a steady mix through the balancer at RATE requests a second (by
# default half the capacity it measures first, unpaced, on a system of its own) for LOAD_SECONDS, the fault is injected
# FAULT_AT seconds in, and the load then reads back from the primary everything it was acknowledged (see
# bench/Chaos/Verdict.cs). One Markdown row per fault; docs/reliability.md holds the table and what each row shows.
#
#   bench/chaos/run.sh                       # every fault: none api gateway replica primary redis-stop redis-hang
#                                            #   rabbitmq worker slow-db overload
#   FAULTS="none api" bench/chaos/run.sh     # a subset
#   RATE=150 LOAD_SECONDS=60 FAULT_AT=20 bench/chaos/run.sh
#   FAULTS=overload CHART_DIR=docs/img bench/chaos/run.sh  # and its charts over time
#   FAULTS=bad-input bench/chaos/run.sh      # BAD_INPUT_COUNT (5000) invalid requests generated from the OpenAPI documents
#   FAULTS=soak CHART_DIR=docs/img bench/chaos/run.sh  # SOAK_SECONDS (1800) at RATE, no fault; every 10 s each process's
#                                            #   memory, PostgreSQL's connections, Redis's memory and the messages not
#                                            #   yet handled by the Worker, charted
#
# Needs jq, psql. Stops everything it started.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"

FAULTS=${FAULTS:-none api gateway replica primary redis-stop redis-hang rabbitmq worker slow-db overload}
LOAD_SECONDS=${LOAD_SECONDS:-40}
FAULT_AT=${FAULT_AT:-15}
HEAL_AFTER=${HEAL_AFTER:-10}
SURGE_FOR=${SURGE_FOR:-30}
SURGE_FACTOR=${SURGE_FACTOR:-6}
SOAK_SECONDS=${SOAK_SECONDS:-1800}
WORKERS=${WORKERS:-32}
BAD_INPUT_COUNT=${BAD_INPUT_COUNT:-5000}
WORK=$(mktemp -d /tmp/aspirescale-chaos-XXXXXX)
trap cleanup_work EXIT

build_apphost "$REPO"
dotnet build "$REPO/bench/Chaos/Chaos.csproj" -c "$CONFIGURATION" --nologo -v quiet --disable-build-servers >&2
CHAOS="$REPO/bench/Chaos/bin/$CONFIGURATION/net10.0/Chaos.dll"

start_system() {
  RateLimiting__Enabled=false apphost_start "$1" --replicas 2
  "$REPO/bench/seed/seed.sh" "$APPHOST_JSON" >&2
  PRIMARY=$(jq -r '.connectionStrings.conduit' "$APPHOST_JSON")
  pg_env "$PRIMARY"
}

# pid RESOURCE: a shell expression for its process id, evaluated when the fault fires (a restarted resource has a new one).
pid() { echo "\$(jq -r '.resources[] | select(.name == \"$1\") | .replicas[0].pid' '$APPHOST_JSON')"; }

resource_pid() { jq -r --arg n "$1" '.resources[] | select(.name == $n) | .replicas[0].pid' "$APPHOST_JSON"; }

# sample_soak FILE: every 10 s until $WORK/soak.stop exists, one line: seconds, the resident memory (MiB) of each API
# replica, the balancer, the Worker and RabbitMQ, Redis's used memory (MiB), PostgreSQL's client connections and the
# outbox messages the Worker has not handled yet (in the outbox, the queue or in hand).
sample_soak() {
  local start
  start=$(date +%s)
  echo "# seconds api-0 api-1 gateway worker rabbitmq redis" >"$1"
  echo "# seconds connections backlog" >"$1.pg"
  while [ ! -e "$WORK/soak.stop" ]; do
    local pids=() r
    for r in api-0 api-1 gateway worker messaging; do pids+=("$(resource_pid "$r")"); done
    echo "$(( $(date +%s) - start )) $(for p in "${pids[@]}"; do rss_mb "$p" 2>/dev/null || printf 0; printf ' '; done)$(redis_cli info memory 2>/dev/null | awk -F: '/^used_memory:/ {printf "%.1f", $2 / 1048576}')" >>"$1"
    echo "$(( $(date +%s) - start )) $(psql -Atq -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'") $(psql -Atq -c "SELECT count(*) FROM outbox_messages o WHERE NOT EXISTS (SELECT 1 FROM inbox_messages i WHERE i.message_id = o.message_id)")" >>"$1.pg"
    sleep 10
  done
}

# soak_growth FILE: per series, its mean over the minute before the 10th minute and over the last minute, and the
# growth between them (the first and last fifth of the samples when the run is shorter than 11 minutes).
soak_growth() {
  awk 'NR == 1 {for (i = 3; i <= NF; i++) name[i - 1] = $i; next}
       {t[NR] = $1; for (i = 2; i <= NF; i++) v[NR, i] = $i; n = NR; cols = NF}
       END {
         early_to = 600; late_from = t[n] - 60
         if (t[n] < 660) {early_to = t[n] / 5; late_from = t[n] * 4 / 5}
         for (i = 2; i <= cols; i++) {
           a = 0; ac = 0; b = 0; bc = 0
           for (r = 2; r <= n; r++) {
             if (t[r] > early_to - 60 && t[r] <= early_to) {a += v[r, i]; ac++}
             if (t[r] >= late_from) {b += v[r, i]; bc++}
           }
           if (ac == 0 || bc == 0) continue
           a /= ac; b /= bc
           printf "| %s | %.1f | %.1f | %+.1f %% |\n", name[i], a, b, (a == 0 ? 0 : 100 * (b - a) / a)
         }
       }' "$1"
  awk 'NR == 1 {for (i = 3; i <= NF; i++) name[i - 1] = $i; next}
       {t[NR] = $1; for (i = 2; i <= NF; i++) v[NR, i] = $i; n = NR; cols = NF}
       END {
         for (i = 2; i <= cols; i++) {m = 0; for (r = 2; r <= n; r++) if (v[r, i] > m) m = v[r, i]; last = v[n, i]
           printf "| %s (peak, last) | %s | %s | |\n", name[i], m, last}
       }' "$1.pg"
}

# set_fault FAULT: FAULT_ARGS, the chaos load's arguments for it (shell commands it runs when the fault is due).
set_fault() {
  case $1 in
    none) FAULT_ARGS=() ;;
    api) FAULT_ARGS=(--inject "kill -s KILL $(pid api-0)") ;;
    gateway) FAULT_ARGS=(--inject "kill -s KILL $(pid gateway)") ;;
    # A fast shutdown; the AppHost starts it again after its restart delay (it catches up from the primary's WAL).
    replica) FAULT_ARGS=(--inject "kill -s INT $(pid postgres-replica)") ;;
    primary) FAULT_ARGS=(--inject "kill -s INT $(pid postgres)") ;;
    redis-stop) FAULT_ARGS=(--inject "kill -s TERM $(pid cache)") ;;
    # Hung, not gone: connections stay open and nothing answers, until SIGCONT HEAL_AFTER seconds later.
    redis-hang) FAULT_ARGS=(--inject "kill -s STOP $(pid cache)" --heal-after "$HEAL_AFTER" --heal "kill -s CONT $(pid cache)") ;;
    rabbitmq) FAULT_ARGS=(--inject "kill -s KILL $(pid messaging)") ;;
    worker) FAULT_ARGS=(--inject "kill -s KILL $(pid worker)") ;;
    # A slow database: the comments table locked for HEAL_AFTER seconds, so every statement on it waits.
    slow-db) FAULT_ARGS=(--inject "psql -Atq -c 'BEGIN; LOCK TABLE comments IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep($HEAL_AFTER); COMMIT' >/dev/null &") ;;
    # SURGE_FACTOR times RATE offered for SURGE_FOR seconds, the extra open loop (bench/Chaos/ChaosLoad.cs, Surge): by
    # default 6, three times the capacity RATE is half of.
    overload) FAULT_ARGS=(--surge-at "$FAULT_AT" --surge-for "$SURGE_FOR" --surge-factor "$SURGE_FACTOR"); return ;;
    soak) FAULT_ARGS=(); return ;;
    *) echo "unknown fault $1" >&2; exit 1 ;;
  esac
  if [ "$1" != none ]; then FAULT_ARGS+=(--fault "$1" --fault-at "$FAULT_AT"); fi
}

if [ -z "${RATE:-}" ] && [ "$FAULTS" != bad-input ]; then
  start_system capacity
  CAPACITY=$(dotnet "$CHAOS" --gateway "$GATEWAY" --primary "$PRIMARY" --rate 0 --seconds 20 --workers "$WORKERS" | jq '.servedPerSecond')
  stop_all
  RATE=$(awk -v c="$CAPACITY" 'BEGIN {printf "%.0f", c / 2}')
  echo "capacity (unpaced, $WORKERS workers): $CAPACITY req/s; load at $RATE req/s" >&2
fi

ROWS=()
for fault in $FAULTS; do
  start_system "$fault"
  if [ "$fault" = bad-input ]; then
    # Generated invalid requests over every operation of /openapi/v1.json and v2.json (bench/Chaos/BadInputCases.cs),
    # tokens signed with this system's own key among them; the whole database compared before and after.
    report=$(dotnet "$CHAOS" bad-input --gateway "$GATEWAY" --primary "$PRIMARY" --count "$BAD_INPUT_COUNT" \
      --signing-key-file "$WORK/$fault/secrets/jwt-signing-key")
    echo "$report" >"$WORK/$fault.json"
    jq -c '{failures: .failures[:20]}' <<<"$report" >&2
    BAD_INPUT=$(jq -r '"| \(.operations) | \(.sent) | \(.seconds | round) | \(.serverErrors) | \(.accepted) | \(.badlyFormed) | \(.transportErrors) | \(.tablesChanged | length) | \(.statuses | to_entries | map("\(.key): \(.value)") | join(", ")) |"' <<<"$report")
    stop_all
    continue
  fi
  set_fault "$fault"
  seconds=$LOAD_SECONDS
  if [ "$fault" = overload ]; then seconds=$(( FAULT_AT + SURGE_FOR + 20 )); fi
  if [ "$fault" = soak ]; then
    seconds=$SOAK_SECONDS
    rm -f "$WORK/soak.stop"; sample_soak "$WORK/soak.dat" & SAMPLER=$!
  fi
  report=$(dotnet "$CHAOS" --gateway "$GATEWAY" --primary "$PRIMARY" --rate "$RATE" --seconds "$seconds" --workers "$WORKERS" \
    "${FAULT_ARGS[@]}")
  echo "$report" >"$WORK/$fault.json"
  ROWS+=("$(jq -r --arg f "$fault" '"| \($f) | \(.timeline.sent) | \(.timeline.failedPercent * 100 | round / 100) | \(.timeline.serverErrors) | \(.timeline.shed) | \(.timeline.transportErrors + .timeline.timeouts) | \(.timeline.longestGapMs | round) | \(.timeline.recoveredAfterSeconds // "") | \(.timeline.servedP99Ms | round) | \(.verdict.acknowledgedWrites) | \(.verdict.lost | length) | \(.verdict.duplicated | length) | \(.verdict.jobsAccepted) | \(.verdict.jobsLost | length) | \(.verdict.jobsNotSucceeded | length) | \(.verdict.staleReads | length) |"' <<<"$report")")
  jq -c '{fault: $f, lost: .verdict.lost[:3], duplicated: .verdict.duplicated[:3], jobs: (.verdict.jobsLost + .verdict.jobsNotSucceeded)[:3], stale: .verdict.staleReads[:3], drained: .workerDrained, failures: .failures[:8]}' --arg f "$fault" <<<"$report" >&2
  if [ "$fault" = soak ]; then
    touch "$WORK/soak.stop"; wait "$SAMPLER"
    SOAK=$(soak_growth "$WORK/soak.dat")
    if [ -n "${CHART_DIR:-}" ]; then
      dotnet run "$BENCH_LIB/line-chart.cs" -- "$WORK/soak.dat" "$CHART_DIR/soak-memory.svg" \
        "Soak at $RATE req/s: memory" "seconds" "MiB" >&2
      dotnet run "$BENCH_LIB/line-chart.cs" -- "$WORK/soak.dat.pg" "$CHART_DIR/soak-database.svg" \
        "Soak at $RATE req/s: PostgreSQL connections and unhandled messages" "seconds" "count" >&2
    fi
  fi
  if [ "$fault" = overload ] && [ -n "${CHART_DIR:-}" ]; then
    # Second by second, from the start of the measured load: answers served and shed, and the served p99.
    jq -r '"# seconds served shed failed", (.perSecond[] | "\(.second) \(.served) \(.shed) \(.failed)")' <<<"$report" >"$WORK/overload-rate.dat"
    jq -r '"# seconds p99", (.perSecond[] | "\(.second) \(.servedP99Ms | round)")' <<<"$report" >"$WORK/overload-p99.dat"
    dotnet run "$BENCH_LIB/line-chart.cs" -- "$WORK/overload-rate.dat" "$CHART_DIR/overload-rate.svg" \
      "Overload: $SURGE_FACTOR x $RATE req/s offered from ${FAULT_AT}s to $(( FAULT_AT + SURGE_FOR ))s" "seconds" "answers per second" >&2
    dotnet run "$BENCH_LIB/line-chart.cs" -- "$WORK/overload-p99.dat" "$CHART_DIR/overload-p99.svg" \
      "Overload: p99 of the served answers, each second" "seconds" "ms" >&2
  fi
  if [ "$fault" = overload ]; then
    OVERLOAD=$(jq -r '.surge | "| before | \(.before.sent) | \(.before.shed) | \(.before.serverErrors) | \(.before.timeouts) | \(.before.servedP50Ms | round) | \(.before.servedP99Ms | round) | |\n| during | \(.during.sent) | \(.during.shed) | \(.during.serverErrors) | \(.during.timeouts) | \(.during.servedP50Ms | round) | \(.during.servedP99Ms | round) | |\n| after | \(.after.sent) | \(.after.shed) | \(.after.serverErrors) | \(.after.timeouts) | \(.after.servedP50Ms | round) | \(.after.servedP99Ms | round) | \(.after.recoveredAfterSeconds) |"' <<<"$report")
  fi
  stop_all
done

if [ ${#ROWS[@]} -gt 0 ]; then
  echo "Chaos: $WORKERS workers at $RATE req/s for $LOAD_SECONDS s through the balancer, the fault at $FAULT_AT s (healed $HEAL_AFTER s later where it is a pause)."
  echo
  echo "| fault | requests | failed % | 5xx (not 503) | shed (429/503) | no answer | longest gap ms | recovered after s | served p99 ms | acknowledged writes | lost | duplicated | jobs accepted | jobs lost | jobs not succeeded | stale reads |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${ROWS[@]}"
fi
if [ -n "${SOAK:-}" ]; then
  echo
  echo "Soak: $RATE req/s for $SOAK_SECONDS s; each series sampled every 10 s, its mean over the minute before the 10th minute and before the end (or the first and last fifth of a shorter run)."
  echo
  echo "| series | at 10 min | at the end | growth |"
  echo "|---|---:|---:|---:|"
  echo "$SOAK"
fi
if [ -n "${BAD_INPUT:-}" ]; then
  echo
  echo "Bad input: $BAD_INPUT_COUNT generated requests, 16 at a time, through the balancer of a fresh seeded system."
  echo
  echo "| operations | requests | seconds | 5xx | invalid accepted | errors not in the spec's format | no answer | tables changed | statuses |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  echo "$BAD_INPUT"
fi
if [ -n "${OVERLOAD:-}" ]; then
  echo
  echo "Overload: $SURGE_FACTOR x $RATE req/s offered for $SURGE_FOR s from $FAULT_AT s${CAPACITY:+ (capacity $CAPACITY req/s)}."
  echo
  echo "| phase | requests | shed (429/503) | 5xx (not 503) | no answer in 10 s | served p50 ms | served p99 ms | recovered after s |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  echo "$OVERLOAD"
fi
