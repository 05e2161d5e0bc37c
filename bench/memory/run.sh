#!/usr/bin/env bash
# Where one API replica's resident memory goes, and what a change does to it. One replica on a fresh seeded system with no
# cache (the load that grows a replica most), read from /proc/<pid>/smaps after its first request and again right after
# LOAD seconds of the uncached 20-article list straight at the replica. With BASE set, the same is done on the build of
# that git ref (a temporary worktree), alternating with this checkout's build ROUNDS times, so both share the machine's
# state of the moment. With VARIANT set (environment assignments, e.g. DOTNET_GCGen0MaxBudget=0x1000000), this checkout
# is also started with them in the environment of the AppHost and so of every service, alternating the same way. The
# runtime reads its DOTNET_ settings case-sensitively on Linux and ignores a misspelled one. Each round ends with the bare
# Kestrel baseline serving the list's bytes under the same load: the floor of any .NET process doing this on this
# machine. Prints two Markdown rows per start, in MiB:
#   resident   VmRSS
#   runtime    the runtime's memory mapped through /memfd:doublemapper under W^X: JIT code (mapped twice, writable and
#              executable, so counted twice) and the loader heaps (types, stubs), most of it the latter
#   anonymous  private memory: the GC's heap, thread stacks, the native heap
#   files      assemblies and native libraries mapped from disk, mostly shared with other processes using the same files
#   peak       VmHWM, the most it was resident
#
#   bench/memory/run.sh                          # this checkout, ROUNDS=2 LOAD=20
#   BASE=HEAD~1 bench/memory/run.sh              # and the commit before, alternately
#   VARIANT="DOTNET_gcServer=0" bench/memory/run.sh   # and this checkout with a runtime setting, alternately
#
# Builds the BASE worktree, and this checkout unless SKIP_BUILD=1 ($CONFIGURATION, Release by default). Needs wrk, jq
# and psql. Stops everything it started.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"

ROUNDS=${ROUNDS:-2}
LOAD=${LOAD:-20}
CONNECTIONS=${CONNECTIONS:-32}
WORK=$(mktemp -d /tmp/aspirescale-memory-XXXXXX)
trap cleanup_work EXIT

for setting in ${VARIANT:-}; do
  [[ "$setting" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || { echo "VARIANT: '$setting' is not NAME=value" >&2; exit 2; }
done

if [ -n "${BASE:-}" ]; then add_worktree "$BASE" "$WORK/base"; fi
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  build_apphost "$REPO"
  dotnet build "$REPO/bench/Baseline/Baseline.csproj" -c "$CONFIGURATION" --nologo -v quiet --disable-build-servers >&2
fi
for dll in AppHost/bin/$CONFIGURATION/net10.0/AppHost.dll bench/Baseline/bin/$CONFIGURATION/net10.0/Baseline.dll; do
  [ -f "$REPO/$dll" ] || { echo "no build of $dll: dotnet build -c $CONFIGURATION" >&2; exit 1; }
done

# smaps_row PID: "resident | runtime | anonymous | files | peak" in MiB.
smaps_row() {
  awk '
    /^[0-9a-f]+-[0-9a-f]+ / { name = $6; kind = (name ~ /doublemapper/) ? "runtime" : (name == "" || name ~ /^\[/) ? "anon" : "file" }
    /^Rss:/ { kb[kind] += $2; total += $2 }
    END { printf "%.1f | %.1f | %.1f | %.1f", total / 1024, kb["runtime"] / 1024, kb["anon"] / 1024, kb["file"] / 1024 }
  ' "/proc/$1/smaps"
  printf ' | %s' "$(rss_mb "$1" VmHWM)"
}

# one_start LABEL ROOT NAME: a fresh one-replica system from ROOT's build in its own data folder NAME; prints the two rows.
one_start() {
  local label=$1 pid url rps first
  start_uncached_replica "$2" "$3"
  pid=$(replica_pid 0)
  url="$(replica_url 0)/api/articles?limit=20"
  curl -fsS -o "$WORK/list.json" "$url"
  first=$(smaps_row "$pid")
  rps=$(wrk_json "$url" "$CONNECTIONS" "$LOAD" | sed -nE 's/.*"rps":([0-9.]+).*/\1/p')
  printf '| %s | after one request | %s | |\n' "$label" "$first"
  printf '| %s | after %s s of load | %s | %s |\n' "$label" "$LOAD" "$(smaps_row "$pid")" "$rps"
  stop_all
}

# baseline_start: the bare Kestrel app serving the list's bytes (kept by the last one_start), read and loaded the same way.
baseline_start() {
  local label="bare Kestrel, the list's bytes" rps first
  start_baseline "$WORK/list.json" application/json
  curl -fsS -o /dev/null "$BASELINE_URL/"
  first=$(smaps_row "$BASELINE_PID")
  rps=$(wrk_json "$BASELINE_URL/" "$CONNECTIONS" "$LOAD" | sed -nE 's/.*"rps":([0-9.]+).*/\1/p')
  printf '| %s | after one request | %s | |\n' "$label" "$first"
  printf '| %s | after %s s of load | %s | %s |\n' "$label" "$LOAD" "$(smaps_row "$BASELINE_PID")" "$rps"
  stop_all
}

echo "## One API replica's memory, MiB ($(nproc) cores, $CONFIGURATION, uncached 20-article list, $CONNECTIONS connections)"
echo
this_label=$(checkout_label)
echo "| build | when | resident | runtime | anonymous | files | peak | req/s |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for round in $(seq "$ROUNDS"); do
  if [ -n "${BASE:-}" ]; then one_start "$(git -C "$REPO" rev-parse --short "$BASE")" "$WORK/base" "base-$round"; fi
  one_start "$this_label" "$REPO" "this-$round"
  if [ -n "${VARIANT:-}" ]; then
    read -r -a APPHOST_ENV <<<"$VARIANT"
    one_start "$this_label + $VARIANT" "$REPO" "variant-$round"
    APPHOST_ENV=()
  fi
  baseline_start
done
