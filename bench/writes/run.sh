#!/usr/bin/env bash
# The write path against PostgreSQL's own rate for the same statements. On a fresh system (Release, Production, two API
# replicas, one Worker, rate limiting and login protection off), seeded with bench/seed, every write is first run for
# WARMUP_ALL seconds; then each is loaded through the balancer by wrk at CONNECTIONS connections, 32 signed-in seeded
# users spread over them (write.lua), once the Worker is idle: WARMUP_WRITE seconds of warm-up, then RUNS runs of
# DURATION seconds. Its anchor then runs in the same system: pgbench at the same concurrency, straight at the primary,
# with the statements that endpoint sends for one request, one transaction per request as the endpoint does
# (anchors/<write>.sql). Registration and login are anchored to the password hash alone (hash-rate.cs, every core busy,
# before any system starts).
#
# Per write: API req/s, p50 and p99, anchor req/s, API ÷ anchor, the CPU time per request of the API replicas and of the
# primary PostgreSQL (all its processes, from /proc/<pid>/stat), and the database round trips per request (Npgsql's
# db.client.operation.duration count on the replicas' /metrics, both pools; the relay's and health checks' included),
# and the Redis commands per request (Redis's total_commands_processed: evictions, purges, health checks, every client;
# a script's call counts once and each command it runs once more, so this is Redis's work, not the calls sent to it).
#
# With INVALIDATION=1, each write is run again on a second fresh system with the output cache, the balancer's cache and
# the write invalidation all off (Caching__OutputCache, Caching__WriteInvalidation, --gateway-cache off): what the
# evictions and purges cost a write.
#
#   bench/writes/run.sh                         # ROUNDS=1 RUNS=3 DURATION=6 CONNECTIONS=32 WARMUP_ALL=10 WARMUP_WRITE=3
#   WRITES="create update" bench/writes/run.sh  # a subset, in that order
#   BASE=HEAD~1 bench/writes/run.sh             # the same on the build of that git ref, alternating with this one
#   VARIANTS="no redis traces:Aspire__StackExchange__Redis__DisableTracing=true:|no balancer cache::--gateway-cache off" \
#     WRITES=update bench/writes/run.sh          # also on one fresh system per variant, each round after this build's,
#                                               # without anchors: label:VAR=value VAR=value:AppHost arguments (no ':'
#                                               # or '|' in a value; the settings start_system fixes win)
#   CAPTURE=1 bench/writes/run.sh               # only print the SQL each write sends (log_statement = all), to keep
#                                               # anchors/*.sql true
#
# Needs wrk, pgbench, psql, jq, curl, redis-cli. Stops everything it started.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"
export BENCH_LIB

ROUNDS=${ROUNDS:-1}
RUNS=${RUNS:-3}
DURATION=${DURATION:-6}
CONNECTIONS=${CONNECTIONS:-32}
WARMUP_WRITE=${WARMUP_WRITE:-3}
# Every write in turn for this long on each new system before anything is measured: on 2 busy cores a replica was still
# compiling ~1,400 methods at tier 1 per 8 s after 40 s of creates, and only settled after about a minute.
WARMUP_ALL=${WARMUP_ALL:-10}
WRITES=${WRITES:-create update comment favorite follow user export login register}
HERE="$REPO/bench/writes"
WORK=$(mktemp -d /tmp/aspirescale-writes-XXXXXX)
trap cleanup_work EXIT

# Requests a pgbench transaction of each anchor stands for (favorite and follow alternate add and remove, as write.lua).
declare -A PER_SCRIPT=([favorite]=2 [follow]=2)

if [ -n "${BASE:-}" ]; then add_worktree "$BASE" "$WORK/base"; fi
build_apphost "$REPO"

# A fresh seeded system in the data folder NAME from the build at ROOT, with extra AppHost arguments; sets PG* to its
# primary's conduit database.
start_system() {
  local root=$1 name=$2; shift 2
  # Login protection off too: it counts each attempt before the hash and gives it back on success, so 32 logins in
  # flight from one address pass its per-address limit and lock the address (see docs/benchmarks.md).
  APPHOST_ROOT=$root RateLimiting__Enabled=false LoginProtection__Enabled=false apphost_start "$name" --replicas 2 "$@"
  "$REPO/bench/seed/seed.sh" "$APPHOST_JSON" >&2
  pg_env "$(jq -r '.connectionStrings.conduit' "$APPHOST_JSON")"
  seeded_actors "$WORK/$name.actors"
  export ACTORS="$WORK/$name.actors"
}

# wait_quiet: until the asynchronous side of the writes so far is done (every outbox row the API wrote handled by the
# Worker: jobs run, feeds fanned out, notifications made), so that the next write is not measured against the Worker
# still working off the last one's backlog (5 minutes at most). The anchors' outbox rows (trace id all f) are never sent.
wait_quiet() {
  local deadline=$(( $(date +%s) + 300 ))
  until [ "$(psql -Atq -c "SELECT count(*) FROM outbox_messages o
      WHERE coalesce(o.trace_parent, '') NOT LIKE '00-ffffffffffffffffffffffffffffffff-%'
        AND NOT EXISTS (SELECT 1 FROM inbox_messages i WHERE i.message_id = o.message_id)")" = 0 ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "the Worker is still busy after 300 s" >&2; return; }
    sleep 1
  done
}

db_operations() { # Npgsql's command count over every API replica and pool
  local url
  for url in $(api_replicas | jq -r .endpoint | sed 's#^tcp://#http://#'); do
    curl -fsS "$url/metrics" | awk '/^db_client_operation_duration_seconds_count/ {n += $NF} END {print n + 0}'
  done | awk '{n += $1} END {print n + 0}'
}

redis_commands() { redis_cli info stats | awk -F: '/^total_commands_processed:/ {print $2 + 0}'; }

# api_write WRITE: warm-up, then RUNS wrk runs; prints "rps p50 p99 non2xx api_us pg_us trips redis".
api_write() {
  local write=$1 runs=() requests api0 pg0 ops0 redis0 apis pgs
  wait_quiet
  WRITE=$write wrk -t2 -c"$CONNECTIONS" -d"${WARMUP_WRITE}s" --timeout 5s -s "$HERE/write.lua" "$GATEWAY" >/dev/null
  apis=$(api_pids); pgs=$(primary_pids)
  api0=$(cpu_ticks $apis); pg0=$(cpu_ticks $pgs); ops0=$(db_operations); redis0=$(redis_commands)
  for _ in $(seq "$RUNS"); do
    runs+=("$(WRITE=$write wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s -s "$HERE/write.lua" "$GATEWAY" | tail -n 1)")
  done
  requests=$(printf '%s\n' "${runs[@]}" | sed -nE 's/.*"requests":([0-9]+).*/\1/p' | awk '{n += $1} END {print n + 0}')
  [ "$requests" -gt 0 ] || { echo "no $write request answered" >&2; exit 1; }
  echo "$(median_of rps "${runs[@]}") $(median_of p50_ms "${runs[@]}") $(median_of p99_ms "${runs[@]}") $(median_of non2xx "${runs[@]}")" \
    "$(( $(cpu_used "$api0" "$(cpu_ticks $apis)") * TICK_US / requests ))" \
    "$(( $(cpu_used "$pg0" "$(cpu_ticks $pgs)") * TICK_US / requests ))" \
    "$(awk -v a="$ops0" -v b="$(db_operations)" -v n="$requests" 'BEGIN {printf "%.1f", (b - a) / n}')" \
    "$(awk -v a="$redis0" -v b="$(redis_commands)" -v n="$requests" 'BEGIN {printf "%.1f", (b - a) / n}')"
}

# anchor_write WRITE: RUNS pgbench runs of its anchor; prints "requests/s avg_latency_ms statements_per_request".
anchor_write() {
  local write=$1 script="$WORK/anchor-$1.sql" runs=() out per=${PER_SCRIPT[$1]:-1} statements
  cat "$HERE/anchors/_actor.sql" "$HERE/anchors/$write.sql" >"$script"
  for _ in $(seq "$RUNS"); do
    out=$(pgbench -n -M prepared -c "$CONNECTIONS" -j 2 -T "$DURATION" -D init=0 -f "$script" 2>&1) \
      || { echo "pgbench $write failed: $out" >&2; exit 1; }
    runs+=("{\"rps\":$(sed -nE 's/^tps = ([0-9.]+).*/\1/p' <<<"$out"),\"lat\":$(sed -nE 's/^latency average = ([0-9.]+).*/\1/p' <<<"$out")}")
  done
  # Statements: every SQL command of the anchor but BEGIN and COMMIT (which Npgsql sends with the next command).
  statements=$(grep -v '^\s*--' "$HERE/anchors/$write.sql" | grep -cE ';\s*$|\\gset\s*$' || true)
  statements=$(( statements - $(grep -cE '^(BEGIN|COMMIT);' "$HERE/anchors/$write.sql" || true) ))
  awk -v r="$(median_of rps "${runs[@]}")" -v l="$(median_of lat "${runs[@]}")" -v p="$per" -v s="$statements" \
    'BEGIN {printf "%.1f %.1f %.1f\n", r * p, l / p, s / p}'
}

# capture WRITE: the statements one request of WRITE makes the primary run (the relay's and health checks' left out).
capture() {
  local write=$1 log before
  log="$WORK/$(basename "$(dirname "$APPHOST_JSON")")/logs/postgres.log"
  before=$(wc -c <"$log")
  WRITE=$write wrk -t1 -c1 -d1s -s "$HERE/write.lua" "$GATEWAY" >/dev/null # one connection, a few requests
  sleep 1
  echo "=== $write"
  tail -c +$((before + 1)) "$log" | sed -E 's/^[^ ]+ [0-9-]+ [0-9:.]+ UTC \[[0-9]+\] //' \
    | grep -vE 'sent_at IS NULL|SELECT 1$|^\s*$|DETAIL:' | head -60 || true # head closes the pipe early: not a failure
}

HASH=""
hash_anchor() { [ -n "$HASH" ] || HASH=$(dotnet run "$HERE/hash-rate.cs" -- "$DURATION" | tail -n 1); }

if [ -n "${CAPTURE:-}" ]; then
  start_system "$REPO" capture
  psql -Atq -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
  for write in $WRITES; do capture "$write"; done
  exit 0
fi

# The hash alone first, on the machine before any system runs (afterwards the Worker may still be busy).
if [[ " $WRITES " == *" login "* || " $WRITES " == *" register "* ]]; then hash_anchor; fi

ROWS=()
# one_system LABEL ROOT NAME [AppHost args]: every write on one fresh system, with their anchors unless caches are off.
one_system() {
  local label=$1 root=$2 name=$3; shift 3
  local off=${OFF:-} write a r p50 p99 non2xx api_us pg_us trips redis anchor lat statements ratio
  start_system "$root" "$name" "$@"
  for write in $WRITES; do
    WRITE=$write wrk -t2 -c"$CONNECTIONS" -d"${WARMUP_ALL}s" --timeout 5s -s "$HERE/write.lua" "$GATEWAY" >/dev/null
  done
  for write in $WRITES; do
    read -r r p50 p99 non2xx api_us pg_us trips redis <<<"$(api_write "$write")"
    if [ -n "$off" ]; then
      ROWS+=("| $write | $label | $r | $p50 | $p99 | $non2xx | | | | $api_us | $pg_us | $trips | | $redis |")
      continue
    fi
    case $write in
      login | register)
        hash_anchor
        a=$(sed -nE "s/.*\"$([ "$write" = login ] && echo verify || echo hash)_per_s\":([0-9.]+).*/\1/p" <<<"$HASH")
        ratio=$(awk -v r="$r" -v a="$a" 'BEGIN {printf "%.2f", r / a}')
        ROWS+=("| $write | $label | $r | $p50 | $p99 | $non2xx | $a (hash alone) | | $ratio | $api_us | $pg_us | $trips | | $redis |") ;;
      *)
        read -r anchor lat statements <<<"$(anchor_write "$write")"
        ratio=$(awk -v r="$r" -v a="$anchor" 'BEGIN {printf "%.2f", r / a}')
        ROWS+=("| $write | $label | $r | $p50 | $p99 | $non2xx | $anchor | $lat | $ratio | $api_us | $pg_us | $trips | $statements | $redis |") ;;
    esac
  done
  stop_all
}

# INVALIDATION=1 is one more variant, last in each round.
if [ -n "${INVALIDATION:-}" ]; then
  VARIANTS="${VARIANTS:+$VARIANTS|}caches and invalidation off:Caching__OutputCache=false Caching__WriteInvalidation=false:--gateway-cache off"
fi
IFS='|' read -ra variants <<<"${VARIANTS:-}"
for round in $(seq "$ROUNDS"); do
  if [ -n "${BASE:-}" ]; then one_system "base $BASE" "$WORK/base" "base$round"; fi
  one_system "$(checkout_label)" "$REPO" "head$round"
  for variant in "${variants[@]}"; do
    IFS=':' read -r vlabel venv vargs <<<"$variant"
    # The settings reach only this variant's AppHost (and through it its services), as in bench/memory.
    read -r -a APPHOST_ENV <<<"$venv"
    read -r -a vargs <<<"$vargs"
    OFF=1 one_system "$vlabel" "$REPO" "variant$round-${#ROWS[@]}" "${vargs[@]}"
    APPHOST_ENV=()
  done
done

echo "Writes through the balancer, $CONNECTIONS connections, medians of $RUNS runs of ${DURATION} s; each system warmed by every write for ${WARMUP_ALL} s, each write by ${WARMUP_WRITE} s more once the Worker is idle; anchors by pgbench at the same concurrency on the primary."
[ -z "$HASH" ] || echo "Password hash alone, every core busy: $HASH"
echo
echo "| write | build | req/s | p50 ms | p99 ms | non-2xx | anchor req/s | anchor avg ms | API ÷ anchor | API CPU µs/req | PostgreSQL CPU µs/req | DB round trips/req | statements/req | Redis commands run/req |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
