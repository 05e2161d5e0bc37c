#!/usr/bin/env bash
# Our own engine (the AppHost/ of ENGINE_REF, the last commit that had it, built in a worktree) against the Aspire AppHost
# of this checkout (AppHost/, DCP) on the same machine, alternately: seconds from
# launch to the `ready:` line on a new data folder (initdb, pg_basebackup, RabbitMQ's first boot included), then, after
# IDLE_SECONDS, the memory of the whole system each one started: every descendant of the AppHost and, for Aspire, of the
# DCP processes it detached (found by their --monitor <apphost pid>), dashboard included, as the sum of each process's
# proportional set size (Pss: a page shared by N processes counts 1/N to each, so ten DCP monitors of one binary, or
# PostgreSQL's backends, are not counted ten times over as VmRSS would).
#
#   bench/startup/compare.sh               # RUNS=3 IDLE_SECONDS=10 DASHBOARD=on ENGINE_REF=deae591, Debug builds
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUNS=${RUNS:-3}
IDLE_SECONDS=${IDLE_SECONDS:-10}
CONFIGURATION=${CONFIGURATION:-Debug}
ENGINE_REF=${ENGINE_REF:-deae591}
ENGINE=$(mktemp -d /tmp/aspirescale-engine-XXXXXX)
trap 'git -C "$ROOT" worktree remove --force "$ENGINE" >/dev/null 2>&1 || true; rm -rf "$ENGINE"' EXIT
git -C "$ROOT" worktree add --detach "$ENGINE" "$ENGINE_REF" >/dev/null 2>&1
dotnet build "$ENGINE/AppHost/AppHost.csproj" -c "$CONFIGURATION" --nologo -v quiet --disable-build-servers >/dev/null
[[ "${SKIP_BUILD:-0}" == 1 ]] || dotnet build "$ROOT/AppHost/AppHost.csproj" -c "$CONFIGURATION" --nologo -v quiet --disable-build-servers >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
descendants() { local p; for p in $(pgrep -P "$1" || true); do echo "$p"; descendants "$p"; done; }
pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }

# One start: prints "seconds pss_mb processes".
measure() {
  local kind=$1 data out pid start ready pids total=0 count=0 p
  data=$(mktemp -d /tmp/aspirescale-compare-XXXXXX); out="$data.out"; : >"$out"
  if [[ $kind == engine ]]; then
    setsid dotnet "$ENGINE/AppHost/bin/$CONFIGURATION/net10.0/AppHost.dll" --data "$data" --replicas 2 >"$out" 2>&1 &
  else
    ASPNETCORE_URLS="http://127.0.0.1:$(free_port)" ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL="http://127.0.0.1:$(free_port)" \
    ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL="http://127.0.0.1:$(free_port)" ASPIRE_ALLOW_UNSECURED_TRANSPORT=true \
    ASPIRE_DASHBOARD_ENABLED="${DASHBOARD:-on}" \
      setsid dotnet "$ROOT/AppHost/bin/$CONFIGURATION/net10.0/AppHost.dll" --data "$data" --replicas 2 \
        --backing-services processes --dashboard "${DASHBOARD:-on}" >"$out" 2>&1 &
  fi
  pid=$!
  start=$(date +%s.%N)
  for _ in $(seq 1 3000); do grep -q '^ready: ' "$out" && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  ready=$(date +%s.%N)
  grep -q '^ready: ' "$out" || { echo "$kind never printed ready:" >&2; tail -20 "$out" >&2; kill -TERM "$pid"; exit 1; }
  sleep "$IDLE_SECONDS"
  pids=$( { echo "$pid"; descendants "$pid"; for p in $(pgrep -f -- "--monitor $pid" || true); do echo "$p"; descendants "$p"; done; } | sort -u)
  for p in $pids; do total=$(( total + $(pss_kb "$p") )); count=$(( count + 1 )); done
  kill -TERM "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  sleep 2; rm -rf "$data" "$out"
  printf '%.1f %d %d\n' "$(echo "$ready - $start" | bc)" $(( total / 1024 )) "$count"
}

echo "| run | engine: ready s | engine: Pss MB (processes) | Aspire: ready s | Aspire: Pss MB (processes) |"
echo "|---|---|---|---|---|"
for run in $(seq 1 "$RUNS"); do
  read -r es em ec < <(measure engine)
  read -r as am ac < <(measure aspire)
  echo "| $run | $es | $em ($ec) | $as | $am ($ac) |"
done
