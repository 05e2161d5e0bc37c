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

# variant LABEL REPLICAS TARGET [VAR=value...]: one fresh system, one row. TARGET is "straight" (replica 0) or "balancer".
variant() {
  local label=$1 replicas=$2 target=$3 url; shift 3
  APPHOST_ENV=("$@")
  apphost_start "v$((++VARIANTS))" --gateway-cache off --replicas "$replicas"
  "$REPO/bench/seed/seed.sh" "$APPHOST_JSON" >/dev/null
  if [ "$target" = straight ]; then
    url=$(jq -r '.resources[] | select(.name == "api") | .replicas[0].endpoint' "$APPHOST_JSON" | sed 's#^tcp://#http://#')
  else
    url=$GATEWAY
  fi
  measure "$label" "$url/api/articles?limit=20"
  stop_all
}
VARIANTS=0
export Caching__OutputCache=false RateLimiting__Enabled=false

echo "## The read connection's pool: uncached 20-article list, $CONNECTIONS connections, ${WARMUP}s warm-up, $RUNS x ${SECONDS_PER_RUN}s, medians ($(nproc) cores, $CONFIGURATION)"
echo
echo "| read connections, loaded | req/s | p50 ms | p95 ms | p99 ms | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|"
variant "not multiplexed, 8; one replica straight" 1 straight Npgsql__conduit-read__MaxPoolSize=8 Npgsql__conduit-read__Multiplexing=false
variant "not multiplexed, 4; one replica straight" 1 straight Npgsql__conduit-read__MaxPoolSize=4 Npgsql__conduit-read__Multiplexing=false
variant "multiplexed, 1; one replica straight" 1 straight Npgsql__conduit-read__MaxPoolSize=1 Npgsql__conduit-read__Multiplexing=true
variant "multiplexed, 2; one replica straight" 1 straight Npgsql__conduit-read__MaxPoolSize=2 Npgsql__conduit-read__Multiplexing=true
variant "multiplexed, 4; one replica straight" 1 straight Npgsql__conduit-read__MaxPoolSize=4 Npgsql__conduit-read__Multiplexing=true
variant "multiplexed, 8; one replica straight" 1 straight Npgsql__conduit-read__MaxPoolSize=8 Npgsql__conduit-read__Multiplexing=true
variant "not multiplexed, 8; one replica through the balancer" 1 balancer Npgsql__conduit-read__MaxPoolSize=8 Npgsql__conduit-read__Multiplexing=false
variant "multiplexed, 1; one replica through the balancer" 1 balancer Npgsql__conduit-read__MaxPoolSize=1 Npgsql__conduit-read__Multiplexing=true
variant "multiplexed, 8; one replica through the balancer" 1 balancer Npgsql__conduit-read__MaxPoolSize=8 Npgsql__conduit-read__Multiplexing=true
variant "not multiplexed, 8; two replicas through the balancer" 2 balancer Npgsql__conduit-read__MaxPoolSize=8 Npgsql__conduit-read__Multiplexing=false
variant "not multiplexed, 4; two replicas through the balancer" 2 balancer Npgsql__conduit-read__MaxPoolSize=4 Npgsql__conduit-read__Multiplexing=false
variant "multiplexed, 1; two replicas through the balancer" 2 balancer Npgsql__conduit-read__MaxPoolSize=1 Npgsql__conduit-read__Multiplexing=true
variant "multiplexed, 8; two replicas through the balancer" 2 balancer Npgsql__conduit-read__MaxPoolSize=8 Npgsql__conduit-read__Multiplexing=true
