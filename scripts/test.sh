#!/usr/bin/env bash
# Quick start 2: set up and run every test (unit, integration on real PostgreSQL/Redis/RabbitMQ, topology,
# Postman conformance through the balancer, Bicep compile and lint). Ends with one line: "N passed, N failed".
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
"$repo/scripts/setup.sh" || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

# Restores the Bicep compiler (the deployment tests use it) and fails on any Bicep build or lint warning.
bicep_status=0
bash "$repo/.ci/bicep.sh" || bicep_status=1

results="$(mktemp -d)"
log="$results/test.log"
status=0
# --blame-hang-timeout: a hung test is dumped and killed instead of eating CI's time budget.
dotnet test Tests/Tests.csproj --no-build --configuration "${CONFIGURATION:-Debug}" \
  --logger "console;verbosity=normal" --blame-hang-timeout 15m 2>&1 | tee "$log" || status=1

# The console logger ends with "Total tests: N / Passed: N / Failed: N" (the minimal one with "Passed! - Failed: N, Passed: N").
passed="$(sed -nE 's/^[[:space:]]+Passed: *([0-9]+).*/\1/p' "$log" | tail -n 1)"
failed="$(sed -nE 's/^[[:space:]]+Failed: *([0-9]+).*/\1/p' "$log" | tail -n 1)"
if [ -z "$passed" ] && grep -qE '^(Passed|Failed)!' "$log"; then
  summary="$(grep -E '^(Passed|Failed)!' "$log" | tail -n 1)"
  passed="$(sed -nE 's/.*Passed: *([0-9]+).*/\1/p' <<<"$summary")"
  failed="$(sed -nE 's/.*Failed: *([0-9]+),.*/\1/p' <<<"$summary")"
fi
# "Total tests" without a "Failed:" line means none failed.
if [ -n "$passed" ] && [ -z "$failed" ]; then failed=0; fi
if [ -z "$passed" ] || [ -z "$failed" ]; then
  # The runner died before printing its summary: count what it reported, and fail.
  passed="$(grep -cE '^\s+Passed ' "$log" || true)"
  failed="$(( $(grep -cE '^\s+Failed ' "$log" || true) + 1 ))"
  status=1
fi
if [ "$bicep_status" -ne 0 ]; then failed=$(( failed + 1 )); fi
[ "$failed" -eq 0 ] || status=1
echo "$passed passed, $failed failed"
exit $status
