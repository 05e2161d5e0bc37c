# Shared helpers for the benchmark scripts: free ports, the bare-Kestrel baseline, wrk runs and medians.
# Every load targets 127.0.0.1 only and is bounded in time.
set -euo pipefail
BENCH_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_LIB/../.." && pwd)"
CONFIGURATION="${CONFIGURATION:-Release}"

free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 30000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

wait_http() { # url [seconds]
  local deadline=$(( $(date +%s) + ${2:-30} ))
  until curl -fsS -o /dev/null "$1"; do
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

# rss_mb PID: resident memory in MB.
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
