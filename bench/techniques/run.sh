#!/usr/bin/env bash
# What three techniques buy on our own code, as ratios from one run on this machine (bench/Techniques):
#   1. the ArticleQueries projection vs the naive N+1 way, for a page of 20 and of 100 articles (time, commands);
#   2. DbContext pooling, Npgsql pooling, No Reset On Close, Max Auto Prepare and Max Pool Size under concurrency;
#   3. source-generated JSON (ConduitJsonContext) vs reflection, steady state and first calls in fresh processes.
# Builds, launches the AppHost on a fresh data folder, seeds it (bench/seed: 1,000 users, 20,000 articles...), runs the
# console against the primary from <data>/apphost.json (127.0.0.1 only), prints Markdown, stops everything on exit.
#
#   bench/techniques/run.sh                     # all three; ROUNDS=5 SLICE_SECONDS=1.2 CONCURRENCY=32 by default (~3.5 min + start and seed)
#   BENCHMARK=pool SLICE_SECONDS=4 bench/techniques/run.sh
#   SKIP_BUILD=1 bench/techniques/run.sh        # reuse the $CONFIGURATION build
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"

BENCHMARK=${BENCHMARK:-all}
ROUNDS=${ROUNDS:-5}
SLICE_SECONDS=${SLICE_SECONDS:-1.2} # not SECONDS: bash keeps its own SECONDS (seconds since the shell started)
CONCURRENCY=${CONCURRENCY:-32}
WORK=$(mktemp -d /tmp/aspirescale-techniques-XXXXXX)
trap 'stop_all; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "building ($CONFIGURATION)..." >&2
  dotnet build "$REPO/AppHost/AppHost.csproj" -c "$CONFIGURATION" --nologo -v quiet >&2
  dotnet build "$REPO/bench/Techniques/Techniques.csproj" -c "$CONFIGURATION" --nologo -v quiet >&2
fi

# Only the database matters here; the api and worker replicas idle. Rate limiting off as in the other benchmarks.
RateLimiting__Enabled=false apphost_start data
echo "AppHost $GATEWAY ready; seeding..." >&2
"$REPO/bench/seed/seed.sh" "$WORK/data/apphost.json" >&2

# The primary's connection string, as seed.sh reads it; passed in the environment, not on a command line.
if command -v jq >/dev/null; then
  CONDUIT=$(jq -er '.connectionStrings.conduit' "$WORK/data/apphost.json")
else
  CONDUIT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["connectionStrings"]["conduit"])' "$WORK/data/apphost.json")
fi
# The primary's process tree, so the console can add PostgreSQL's CPU time to its own (CPU per operation).
TECHNIQUES_POSTGRES_PID=$(jq -r '.resources[] | select(.name == "postgres") | .replicas[0].pid // empty' "$WORK/data/apphost.json" 2>/dev/null || true)
export TECHNIQUES_POSTGRES_PID; echo "postgres pid: ${TECHNIQUES_POSTGRES_PID:-unknown}" >&2
case "$CONDUIT" in *Host=127.0.0.1\;*|*Host=localhost\;*) ;; *) echo "refusing a non-local database" >&2; exit 1 ;; esac

echo "## Techniques on our own system ($(nproc) cores, $CONFIGURATION, $(date -u +%Y-%m-%d))"
echo
# The machine is shared: say how busy it was, since every figure below is relative to the others of its run.
echo "_load average at start: $(cut -d' ' -f1-3 /proc/loadavg)_"
echo
ConnectionStrings__conduit="$CONDUIT" dotnet "$REPO/bench/Techniques/bin/$CONFIGURATION/net10.0/Techniques.dll" "$BENCHMARK" \
  --rounds "$ROUNDS" --seconds "$SLICE_SECONDS" --concurrency "$CONCURRENCY"
echo "_load average at end: $(cut -d' ' -f1-3 /proc/loadavg)_"
