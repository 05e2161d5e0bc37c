#!/usr/bin/env bash
# Where one API replica's resident memory goes, and what a change does to it. One replica on a fresh seeded system with no
# cache (the load that grows a replica most), read from /proc/<pid>/smaps after its first request and again right after
# LOAD seconds of the uncached 20-article list straight at the replica. With BASE set, the same is done on the build of
# that git ref (a temporary worktree), alternating with this checkout's build ROUNDS times, so both share the machine's
# state of the moment. Prints one Markdown row per start, in MiB:
#   resident   VmRSS
#   JIT        the runtime's executable memory (/memfd:doublemapper, mapped twice under W^X: the code, loader heaps, stubs)
#   anonymous  private memory: the GC's heap, thread stacks, the native heap
#   files      assemblies and native libraries mapped from disk (shared with other processes using the same files)
#   peak       VmHWM, the most it was resident
#
#   bench/memory/run.sh                          # this checkout's $CONFIGURATION build, ROUNDS=2 LOAD=20
#   BASE=HEAD~1 bench/memory/run.sh              # and the commit before, alternately (builds it)
#
# Needs the $CONFIGURATION build of this checkout (dotnet build -c Release), wrk, jq and psql. Stops everything it started.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"

ROUNDS=${ROUNDS:-2}
LOAD=${LOAD:-20}
CONNECTIONS=${CONNECTIONS:-32}
WORK=$(mktemp -d /tmp/aspirescale-memory-XXXXXX)
THIS=$REPO
cleanup() {
  stop_all
  if [ -n "${BASE:-}" ]; then git -C "$THIS" worktree remove --force "$WORK/base" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
[ -f "$THIS/AppHost/bin/$CONFIGURATION/net10.0/AppHost.dll" ] || { echo "build first: dotnet build -c $CONFIGURATION" >&2; exit 1; }

if [ -n "${BASE:-}" ]; then
  git -C "$THIS" worktree add --detach "$WORK/base" "$BASE" >/dev/null 2>&1
  for project in Api Worker MigrationService AppHost; do
    dotnet build "$WORK/base/$project" -c "$CONFIGURATION" --nologo -v quiet >&2
  done
fi

# smaps_row PID: "resident | JIT | anonymous | files | peak" in MiB.
smaps_row() {
  awk '
    /^[0-9a-f]+-[0-9a-f]+ / { name = $6; kind = (name ~ /doublemapper/) ? "jit" : (name == "" || name ~ /^\[/) ? "anon" : "file" }
    /^Rss:/ { kb[kind] += $2; total += $2 }
    END { printf "%.1f | %.1f | %.1f | %.1f", total / 1024, kb["jit"] / 1024, kb["anon"] / 1024, kb["file"] / 1024 }
  ' "/proc/$1/smaps"
  printf ' | %s' "$(rss_mb "$1" VmHWM)"
}

# one_start LABEL ROOT: a fresh one-replica system from ROOT's build (apphost_start reads REPO); prints the two rows.
one_start() {
  local label=$1 pid url rps first
  REPO=$2 RateLimiting__Enabled=false Caching__OutputCache=false apphost_start "system" --gateway-cache off --replicas 1
  "$THIS/bench/seed/seed.sh" "$APPHOST_JSON" >/dev/null 2>&1
  pid=$(jq -r '.resources[] | select(.name == "api") | .replicas[0].pid' "$APPHOST_JSON")
  url="$(replica_url 0)/api/articles?limit=20"
  curl -fsS -o /dev/null "$url"
  first=$(smaps_row "$pid")
  rps=$(wrk_json "$url" "$CONNECTIONS" "$LOAD" | sed -nE 's/.*"rps":([0-9.]+).*/\1/p')
  printf '| %s | after one request | %s | |\n' "$label" "$first"
  printf '| %s | after %s s of load | %s | %s |\n' "$label" "$LOAD" "$(smaps_row "$pid")" "$rps"
  stop_all
}

echo "## One API replica's memory, MiB ($(nproc) cores, $CONFIGURATION, uncached 20-article list, $CONNECTIONS connections)"
echo
echo "| build | when | resident | JIT | anonymous | files | peak | req/s |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for round in $(seq "$ROUNDS"); do
  if [ -n "${BASE:-}" ]; then one_start "$BASE" "$WORK/base"; fi
  one_start "$(git -C "$THIS" rev-parse --short HEAD)$(git -C "$THIS" diff --quiet HEAD -- . || echo '+changes')" "$THIS"
done
