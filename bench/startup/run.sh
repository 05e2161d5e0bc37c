#!/usr/bin/env bash
# Startup benchmark for the AppHost: time from launch to the `ready:` line (median of RUNS, with --fresh and warm, i.e.
# reusing the PostgreSQL cluster, replica and RabbitMQ database of the previous run), then the resident memory (VmRSS)
# of every process at idle, pids taken from apphost.json. Prints a Markdown table.
#
#   bench/startup/run.sh                 # RUNS=3 IDLE_SECONDS=10 by default
#   RUNS=5 bench/startup/run.sh --replicas 4
#
# Extra arguments go to the AppHost. Needs jq. Builds the AppHost first unless SKIP_BUILD=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUNS=${RUNS:-3}
IDLE_SECONDS=${IDLE_SECONDS:-10}
DATA=$(mktemp -d /tmp/aspirescale-bench-XXXXXX)
OUT="$DATA.out"
PIDFILE="$DATA.pid"
DLL="$ROOT/AppHost/bin/Debug/net10.0/AppHost.dll"

# `start` runs in a $(...) subshell, so the AppHost's pid travels through a file.
stop() {
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PIDFILE"
}

cleanup() { stop; rm -rf "$DATA" "$OUT"; }
trap cleanup EXIT

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  dotnet build "$ROOT/AppHost/AppHost.csproj" --nologo -v quiet >/dev/null
fi

now() { date +%s.%N; }

# Starts the AppHost, waits for `ready:`, prints the seconds it took; the AppHost keeps running.
start() {
  local t0 t1
  t0=$(now)
  dotnet "$DLL" --data "$DATA" "$@" >"$OUT" 2>&1 &
  echo $! >"$PIDFILE"
  until grep -q '^ready: ' "$OUT"; do
    if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
      echo "The AppHost exited before it was ready:" >&2; cat "$OUT" >&2; exit 1
    fi
    sleep 0.05
  done
  t1=$(now)
  echo "$t1 - $t0" | bc
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

fresh=(); warm=()
for _ in $(seq "$RUNS"); do fresh+=("$(start --fresh "$@")"); stop; done
for _ in $(seq "$RUNS"); do warm+=("$(start "$@")"); stop; done

start "$@" >/dev/null
sleep "$IDLE_SECONDS"

fmt() { printf '%.1f' "$1"; }
list() { local first=1; for v in "$@"; do ((first)) || printf ', '; first=0; fmt "$v"; done; }

echo "| Measure | Seconds | Runs |"
echo "|---|---|---|"
echo "| Launch to \`ready\`, --fresh (median of $RUNS) | $(fmt "$(median "${fresh[@]}")") | $(list "${fresh[@]}") |"
echo "| Launch to \`ready\`, warm (median of $RUNS) | $(fmt "$(median "${warm[@]}")") | $(list "${warm[@]}") |"
echo
echo "| Process | Pid | RSS at idle (MiB) |"
echo "|---|---|---|"
total=0
while read -r line; do
  pid=${line##* }; id=${line% *}
  kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
  total=$((total + kb))
  echo "| $id | $pid | $(fmt "$(echo "$kb / 1024" | bc -l)") |"
done < <(jq -r '"apphost \(.pid)", (.resources[].replicas[] | select(.pid != null and .state == "running") | "\(.id) \(.pid)")' "$DATA/apphost.json")
echo "| **total** (processes above; PostgreSQL backends and Erlang helpers not counted) | | $(fmt "$(echo "$total / 1024" | bc -l)") |"
echo
echo "Machine: $(nproc) cores, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
