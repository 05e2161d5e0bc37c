#!/usr/bin/env bash
# The Api's read connection to the PostgreSQL replica, one setting at a time: the uncached 20-article list (output
# cache, balancer cache and rate limiting off) on the seeded dataset, with the read pool not multiplexed over 8 (the
# Api's setting) or 4 connections, or multiplexed over 1, 2, 4 or 8, loaded straight on one replica, then through the
# balancer on one and on two replicas.
# Each variant is a fresh system (services in Production), warmed for WARMUP seconds, then RUNS runs; medians printed as
# Markdown. The pool is set through the AppHost's environment, which its children inherit, as a deployment would set it:
# Npgsql__conduit-read__MaxPoolSize=N, Npgsql__conduit-read__Multiplexing=false.
#
#   CONFIGURATION=Release bench/read-pool/run.sh     # RUNS=3 DURATION=6 CONNECTIONS=32 WARMUP=60 by default
#
# Needs the Release build (dotnet build -c Release), wrk, jq and psql on PATH. Stops everything it started.
WARMUP=${WARMUP:-60}
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"

RUNS=${RUNS:-3}
SECONDS_PER_RUN=${DURATION:-6}
CONNECTIONS=${CONNECTIONS:-32}
WORK=$(mktemp -d /tmp/aspirescale-read-pool-XXXXXX)
trap 'stop_all; rm -rf "$WORK"' EXIT

[ -f "$REPO/AppHost/bin/$CONFIGURATION/net10.0/AppHost.dll" ] || { echo "build first: dotnet build -c $CONFIGURATION" >&2; exit 1; }

# variant POOL MULTIPLEXING REPLICAS TARGET: one fresh system, one row, labelled from its arguments. MULTIPLEXING is true
# or false; TARGET is "straight" (replica 0, no balancer) or "balancer".
variant() {
  local pool=$1 multiplexing=$2 replicas=$3 target=$4 label url
  label="$([ "$multiplexing" = true ] || echo "not ")multiplexed, $pool; $([ "$replicas" = 1 ] && echo one replica || echo two replicas)"
  label+=$([ "$target" = straight ] && echo " straight" || echo " through the balancer")
  APPHOST_ENV=("Npgsql__conduit-read__MaxPoolSize=$pool" "Npgsql__conduit-read__Multiplexing=$multiplexing")
  apphost_start "v$((++VARIANTS))" --gateway-cache off --replicas "$replicas"
  "$REPO/bench/seed/seed.sh" "$APPHOST_JSON" >/dev/null
  if [ "$target" = straight ]; then url=$(replica_url 0); else url=$GATEWAY; fi
  measure "$label" "$url/api/articles?limit=20"
  stop_all
}
VARIANTS=0
export Caching__OutputCache=false RateLimiting__Enabled=false

echo "## The read connection's pool: uncached 20-article list, $CONNECTIONS connections, ${WARMUP}s warm-up, $RUNS x ${SECONDS_PER_RUN}s, medians ($(nproc) cores, $CONFIGURATION)"
echo
echo "| read connections, loaded | req/s | p50 ms | p95 ms | p99 ms | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|"
variant 8 false 1 straight
variant 4 false 1 straight
variant 1 true 1 straight
variant 2 true 1 straight
variant 4 true 1 straight
variant 8 true 1 straight
variant 8 false 1 balancer
variant 1 true 1 balancer
variant 8 true 1 balancer
variant 8 false 2 balancer
variant 4 false 2 balancer
variant 1 true 2 balancer
variant 8 true 2 balancer
