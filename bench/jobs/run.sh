#!/usr/bin/env bash
# Jobs pipeline benchmark, one fresh topology (AppHost --replicas 2, one Worker):
#   1. accepted jobs/s at the API (POST /api/v2/exports through the balancer, wrk) with the p99 of the 202;
#   2. completed jobs/s end to end (first accepted -> last succeeded, from the jobs table) for the jobs of step 1;
#   3. RabbitMQ's raw confirmed-publish rate in the same run (512-byte persistent messages, quorum queue, confirms).
# Prints a Markdown table.
#
#   bench/jobs/run.sh                   # SECONDS_LOAD=15 CONNECTIONS=32 RAW_SECONDS=10
#
# Needs wrk, curl, jq, psql. Uses the Debug builds the AppHost runs (build Api, Worker, MigrationService, AppHost first).
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"
export BENCH_LIB
SECONDS_LOAD=${SECONDS_LOAD:-15}
CONNECTIONS=${CONNECTIONS:-32}
RAW_SECONDS=${RAW_SECONDS:-10}
DATA=$(mktemp -d /tmp/aspirescale-jobs-bench-XXXXXX)
OUT="$DATA.out"

dotnet "$REPO/AppHost/bin/Debug/net10.0/AppHost.dll" --data "$DATA" --fresh --replicas 2 >"$OUT" 2>&1 &
APPHOST_PID=$!
cleanup() { kill -TERM "$APPHOST_PID" 2>/dev/null || true; wait "$APPHOST_PID" 2>/dev/null || true; rm -rf "$DATA" "$OUT"; }
trap cleanup EXIT
deadline=$(( $(date +%s) + 240 ))
until grep -q '^ready: ' "$OUT"; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "AppHost not ready; see $OUT" >&2; tail -20 "$OUT" >&2; exit 1; }
  sleep 0.5
done
URL=$(sed -nE 's/^ready: (.*)$/\1/p' "$OUT" | head -1)
AMQP=$(jq -r '.connectionStrings.messaging' "$DATA/apphost.json")
PGADMIN=$(jq -r '.connectionStrings["postgres-admin"]' "$DATA/apphost.json")
pg() { # keyword string -> psql
  local host port pass
  host=$(sed -nE 's/.*Host=([^;]+).*/\1/p' <<<"$PGADMIN"); port=$(sed -nE 's/.*Port=([^;]+).*/\1/p' <<<"$PGADMIN")
  pass=$(sed -nE 's/.*Password=([^;]+).*/\1/p' <<<"$PGADMIN")
  PGPASSWORD=$pass psql -h "$host" -p "$port" -U postgres -d conduit -At -c "$1"
}

user="bench$RANDOM$RANDOM"
TOKEN=$(curl -fsS -X POST "$URL/api/users" -H 'Content-Type: application/json' \
  -d "{\"user\":{\"username\":\"$user\",\"email\":\"$user@example.com\",\"password\":\"password123\"}}" | jq -r .user.token)
export TOKEN
for i in 1 2 3; do
  curl -fsS -o /dev/null -X POST "$URL/api/articles" -H "Authorization: Token $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"article\":{\"title\":\"Bench $i $user\",\"description\":\"d\",\"body\":\"$(head -c 600 /dev/zero | tr '\0' 'x')\",\"tagList\":[\"bench\"]}}"
done

accept=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_LOAD}s" --timeout 5s -s "$REPO/bench/jobs/submit.lua" "$URL/api/v2/exports" | tail -n 1)
accepted=$(pg "SELECT count(*) FROM jobs j JOIN users u ON u.id = j.owner_id WHERE u.username = '$user'")

deadline=$(( $(date +%s) + 300 ))
while :; do
  pending=$(pg "SELECT count(*) FROM jobs j JOIN users u ON u.id = j.owner_id WHERE u.username = '$user' AND j.status NOT IN ('succeeded','failed')")
  [ "$pending" -eq 0 ] && break
  [ "$(date +%s)" -lt "$deadline" ] || { echo "jobs still pending after 300 s: $pending" >&2; break; }
  sleep 0.5
done
read -r completed span lag_p99 <<<"$(pg "SELECT count(*) FILTER (WHERE status = 'succeeded'),
    extract(epoch FROM max(completed_at) - min(created_at)),
    coalesce(round((percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at)))::numeric, 3), 0)
  FROM jobs j JOIN users u ON u.id = j.owner_id WHERE u.username = '$user'" | tr '|' ' ')"

raw=$(dotnet run "$REPO/bench/jobs/raw-publish.cs" -- "$AMQP" "$RAW_SECONDS" | tail -n 1)

rps=$(sed -nE 's/.*"rps":([0-9.]+).*/\1/p' <<<"$accept")
p99=$(sed -nE 's/.*"p99_ms":([0-9.]+).*/\1/p' <<<"$accept")
non2xx=$(sed -nE 's/.*"non2xx":([0-9]+).*/\1/p' <<<"$accept")
raw_rate=$(sed -nE 's/.*"rate":([0-9.]+).*/\1/p' <<<"$raw")
e2e=$(awk -v c="$completed" -v s="$span" 'BEGIN { printf "%.1f", (s > 0 ? c / s : 0) }')

echo "| Measure | Value |"
echo "|---|---|"
echo "| Accepted jobs/s at the API (POST /api/v2/exports via balancer, ${CONNECTIONS} conns, ${SECONDS_LOAD} s) | $rps |"
echo "| p99 of the 202 | ${p99} ms |"
echo "| Non-2xx responses during the load | $non2xx |"
echo "| Jobs accepted / completed | $accepted / $completed |"
echo "| Completed jobs/s end to end (first accepted -> last succeeded) | $e2e |"
echo "| p99 accepted -> succeeded per job | ${lag_p99} s |"
echo "| RabbitMQ raw confirmed publish, 512 B persistent, quorum queue | $raw_rate msg/s |"
