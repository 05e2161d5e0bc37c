# Shared helpers for the benchmark scripts: free ports, the bare-Kestrel baseline, wrk runs and medians.
# Every load targets 127.0.0.1 only and is bounded in time.
set -euo pipefail
BENCH_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# This checkout. A script that starts another build's AppHost (BASE) names its root in APPHOST_ROOT for that start.
REPO="$(cd "$BENCH_LIB/../.." && pwd)"
CONFIGURATION="${CONFIGURATION:-Release}"
# The services' environment: Production, what a deployment runs (the AppHost's own default is Development, which adds the
# developer exception page and DI scope checks to every request).
ENVIRONMENT="${ENVIRONMENT:-Production}"
# Seconds of load before the measured runs, so they start from the steady state. 15 s is enough where a request never
# reaches the Api's query path; a load that does asks for more (bench/http/run.sh: WARMUP_UNCACHED).
WARMUP="${WARMUP:-15}"

free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 30000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

wait_http() { # url [seconds]
  local deadline=$(( $(date +%s) + ${2:-30} ))
  until curl -fs -o /dev/null "$1"; do # refused until it listens: expected, not shown
    [ "$(date +%s)" -lt "$deadline" ] || { echo "timed out waiting for $1" >&2; return 1; }
    sleep 0.2
  done
}

# Starts the bare Kestrel app serving the bytes of $1; sets BASELINE_URL and BASELINE_PID.
start_baseline() {
  local port; port=$(free_port)
  dotnet "$REPO/bench/Baseline/bin/$CONFIGURATION/net10.0/Baseline.dll" --urls "http://127.0.0.1:$port" \
    --body-file "$1" ${2:+--content-type "$2"} >/dev/null 2>&1 &
  BASELINE_PID=$!
  BASELINE_URL="http://127.0.0.1:$port"
  wait_http "$BASELINE_URL/"
}

# wrk_json URL CONNECTIONS SECONDS [extra wrk args...]: one JSON line.
wrk_json() {
  local url=$1 conns=$2 secs=$3; shift 3
  wrk -t2 -c"$conns" -d"${secs}s" --timeout 5s -s "$BENCH_LIB/wrk-report.lua" "$@" "$url" | tail -n 1
}

# median_of FIELD JSON_LINES...: the median of a numeric field across runs.
median_of() {
  local field=$1; shift
  printf '%s\n' "$@" | sed -nE "s/.*\"$field\":([0-9.]+).*/\1/p" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# rss_mb PID [FIELD]: resident memory in MiB, now (VmRSS) or the process's peak so far (VmHWM).
rss_mb() { awk -v field="${2:-VmRSS}:" '$1 == field {printf "%.1f", $2/1024}' "/proc/$1/status"; }

# The system under test: the built AppHost on a fresh data folder under $WORK (set by the caller). Settings for the
# services go in the caller's environment, which the AppHost's children inherit: VAR=value apphost_start NAME [args].
APPHOST_PID=""
BASELINE_PID=""
# Settings whose names the shell cannot export (Npgsql__conduit-read__MaxPoolSize=1) go in this array instead.
APPHOST_ENV=()

# apphost_start NAME [AppHost args...]: waits for `ready:`; sets APPHOST_PID, GATEWAY and APPHOST_JSON.
apphost_start() {
  local name=$1; shift
  # Headless and on local processes (as environment variables, which a baseline of our earlier engine ignores).
  env AspireScale__Dashboard=off AspireScale__BackingServices=processes "${APPHOST_ENV[@]}" \
    dotnet "${APPHOST_ROOT:-$REPO}/AppHost/bin/$CONFIGURATION/net10.0/AppHost.dll" \
    --data "$WORK/$name" --fresh --environment "$ENVIRONMENT" "$@" \
    >"$WORK/$name.out" 2>&1 &
  APPHOST_PID=$!
  until grep -q '^ready: ' "$WORK/$name.out"; do
    kill -0 "$APPHOST_PID" 2>/dev/null || { cat "$WORK/$name.out" >&2; exit 1; }
    sleep 0.2
  done
  GATEWAY=$(sed -n 's/^ready: //p' "$WORK/$name.out")
  APPHOST_JSON="$WORK/$name/apphost.json"
}

# build_apphost ROOT: the AppHost of the checkout at ROOT, which builds the services it references (no build servers left
# behind).
build_apphost() { dotnet build "$1/AppHost/AppHost.csproj" -c "$CONFIGURATION" --nologo -v quiet --disable-build-servers >&2; }

# add_worktree REF DIR: a detached worktree of the git ref REF at DIR, built; remove_worktree DIR undoes it.
add_worktree() { git -C "$REPO" worktree add --detach "$2" "$1" >&2 && build_apphost "$2"; }
remove_worktree() {
  git -C "$REPO" worktree remove --force "$1" >/dev/null 2>&1 || true
  git -C "$REPO" worktree prune || true
}

# cleanup_work: on exit of a script with a WORK folder and perhaps a BASE worktree in it.
cleanup_work() {
  stop_all
  if [ -n "${BASE:-}" ]; then remove_worktree "$WORK/base"; fi
  rm -rf "$WORK"
}

# start_uncached_replica ROOT NAME: a fresh system of one API replica from the build at ROOT, with no cache and no rate
# limiting, in the data folder NAME, seeded (bench/seed).
start_uncached_replica() {
  APPHOST_ROOT=$1 RateLimiting__Enabled=false Caching__OutputCache=false apphost_start "$2" --gateway-cache off --replicas 1
  "$REPO/bench/seed/seed.sh" "$APPHOST_JSON" >&2
}

# pg_env CONNECTION_STRING: an Npgsql keyword connection string as libpq's variables (PGHOST ...), so psql and pgbench
# need neither a password prompt nor URL escaping.
pg_env() {
  local pair key value pairs
  IFS=';' read -ra pairs <<<"$1"
  for pair in "${pairs[@]}"; do
    key=${pair%%=*}; value=${pair#*=}
    case "${key,,}" in host) export PGHOST=$value ;; port) export PGPORT=$value ;; username) export PGUSER=$value ;;
      password) export PGPASSWORD=$value ;; database) export PGDATABASE=$value ;; esac
  done
}

# seeded_actors FILE: the actors bench/writes/write.lua reads, one per line: 32 seeded users signed in through the
# balancer at $GATEWAY (token, username), each with their newest article, the user 100 further on and that user's newest
# article (from the database psql's PG* variables name; see pg_env). Needs a system seeded by bench/seed.
seeded_actors() {
  local i name other token slug other_slug
  : >"$1"
  for i in $(seq 1 32); do
    name=$(printf 'seed-user-%04d' "$i"); other=$(printf 'seed-user-%04d' $((i + 100)))
    token=$(curl -fsS -X POST "$GATEWAY/api/users/login" -H 'Content-Type: application/json' \
      -d "{\"user\":{\"email\":\"$name@seed.example\",\"password\":\"password\"}}" | jq -r .user.token)
    slug=$(psql -Atq -c "SELECT slug FROM articles a JOIN users u ON u.id = a.author_id WHERE u.username = '$name' ORDER BY a.created_at DESC, a.id DESC LIMIT 1")
    other_slug=$(psql -Atq -c "SELECT slug FROM articles a JOIN users u ON u.id = a.author_id WHERE u.username = '$other' ORDER BY a.created_at DESC, a.id DESC LIMIT 1")
    printf '%s\t%s\t%s\t%s\t%s\n' "$token" "$name" "$slug" "$other" "$other_slug" >>"$1"
  done
}

# checkout_label: this checkout's commit, marked when files differ from it (untracked ones included, since the build
# takes them).
checkout_label() {
  echo "$(git -C "$REPO" rev-parse --short HEAD)$([ -z "$(git -C "$REPO" status --porcelain)" ] || echo '+changes')"
}

# api_replicas [FILE]: every API replica of a running system as JSON objects (pid, endpoint ...), in order: the Aspire
# AppHost has a resource per replica (api-0, api-1 ...), our earlier engine one resource "api" with replicas (baselines).
API_REPLICAS='[.resources[] | select(.name == "api" or (.name | test("^api-[0-9]+$")))] | sort_by(.name | ltrimstr("api") | ltrimstr("-") | tonumber? // 0) | [.[].replicas[]]'
api_replicas() { jq -c "$API_REPLICAS | .[]" "${1:-$APPHOST_JSON}"; }

# replica_pid N: the process id of the running system's API replica N.
replica_pid() { jq -r --argjson n "$1" "$API_REPLICAS | .[\$n].pid" "$APPHOST_JSON"; }

# CPU accounting from /proc/<pid>/stat: cpu_ticks PIDS... prints "pid ticks" (user + system); cpu_used BEFORE AFTER sums
# the ticks spent between two such lists by the processes in both; TICK_US turns ticks into microseconds.
api_pids() { api_replicas | jq -r .pid; }
worker_pids() { jq -r '.resources[] | select(.name == "worker") | .replicas[].pid' "$APPHOST_JSON"; }
primary_pids() { # the primary's postmaster and every process it forked
  local postmaster
  postmaster=$(jq -r '.resources[] | select(.name == "postgres") | .replicas[0].pid' "$APPHOST_JSON")
  echo "$postmaster"; pgrep -P "$postmaster" || true
}
TICK_US=$(( 1000000 / $(getconf CLK_TCK) ))
cpu_ticks() { local pid; for pid in "$@"; do awk -v pid="$pid" '{print pid, $14 + $15}' "/proc/$pid/stat" 2>/dev/null || true; done; }
cpu_used() { join <(sort <<<"$1") <(sort <<<"$2") | awk '{t += $3 - $2} END {print t + 0}'; }

# redis_cli ARGS...: redis-cli at the system's Redis (the cache connection string of $APPHOST_JSON: host:port,password=...).
redis_cli() {
  local redis
  redis=$(jq -r '.connectionStrings.cache' "$APPHOST_JSON")
  REDISCLI_AUTH=$(sed -nE 's/.*password=([^,]*).*/\1/p' <<<"$redis") \
    redis-cli -h 127.0.0.1 -p "$(sed -E 's/^[^:]*:([0-9]+).*/\1/' <<<"$redis")" "$@"
}

# replica_url N: the base URL of the running system's API replica N, to load it without the balancer.
replica_url() {
  jq -r --argjson n "$1" "$API_REPLICAS | .[\$n].endpoint" "$APPHOST_JSON" | sed 's#^tcp://#http://#'
}

# stop_all: the baseline if one runs, then the AppHost (SIGTERM; it stops everything it started before it exits).
stop_all() {
  if [ -n "$BASELINE_PID" ]; then kill "$BASELINE_PID" 2>/dev/null && wait "$BASELINE_PID" 2>/dev/null || true; fi
  BASELINE_PID=""
  if [ -n "$APPHOST_PID" ] && kill -0 "$APPHOST_PID" 2>/dev/null; then
    kill -TERM "$APPHOST_PID"; while kill -0 "$APPHOST_PID" 2>/dev/null; do sleep 0.2; done
  fi
  APPHOST_PID=""
}

# measure LABEL URL [wrk args]: WARMUP seconds of warm-up (none when 0), then RUNS runs of SECONDS_PER_RUN at
# CONNECTIONS; prints one Markdown row of medians (req/s, p50, p95, p99, non-2xx); keeps the median req/s in LAST_RPS for
# ratios and each run's JSON line in LAST_RUNS.
measure() {
  local label=$1 url=$2; shift 2
  local runs=()
  if [ "$WARMUP" != 0 ]; then wrk_json "$url" "$CONNECTIONS" "$WARMUP" "$@" >/dev/null; fi
  for _ in $(seq "$RUNS"); do runs+=("$(wrk_json "$url" "$CONNECTIONS" "$SECONDS_PER_RUN" "$@")"); done
  LAST_RPS=$(median_of rps "${runs[@]}")
  LAST_RUNS=("${runs[@]}")
  printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$LAST_RPS" "$(median_of p50_ms "${runs[@]}")" \
    "$(median_of p95_ms "${runs[@]}")" "$(median_of p99_ms "${runs[@]}")" "$(median_of non2xx "${runs[@]}")"
}
