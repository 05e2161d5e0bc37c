#!/usr/bin/env bash
# Login brute force against one account, through the balancer of a fresh topology (AppHost --replicas 2 on 127.0.0.1):
# ATTEMPTS wrong passwords in a row, then prints how many were answered 401 (the password was checked) and 429 (locked:
# refused before the database or the hash), with the mean time of each; checks that each API replica, asked directly,
# answers 429 too (the count lives in Redis), and that the owner gets in once the lock has passed, waiting as long as
# Retry-After says. The lock is made short through configuration (LoginProtection__Lockout, LOCKOUT seconds) so the run
# ends in well under a minute once the topology is up; the thresholds are the defaults in code.
#
#   bench/brute-force/run.sh                      # ATTEMPTS=100 LOCKOUT=10
#   CONFIGURATION=Debug bench/brute-force/run.sh  # with the Debug build the tests use
#
# Needs the AppHost built (dotnet build AppHost -c Release), curl and jq. Stops everything it started; exits non-zero
# when a check fails.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"

ATTEMPTS=${ATTEMPTS:-100}
LOCKOUT=${LOCKOUT:-10}
WORK=$(mktemp -d /tmp/aspirescale-brute-force-XXXXXX)
trap 'stop_all; rm -rf "$WORK"' EXIT

[ -f "$REPO/AppHost/bin/$CONFIGURATION/net10.0/AppHost.dll" ] || { echo "build first: dotnet build AppHost -c $CONFIGURATION" >&2; exit 1; }
for tool in curl jq; do command -v "$tool" >/dev/null || { echo "$tool not found on PATH" >&2; exit 1; }; done

LoginProtection__Lockout="00:00:$(printf '%02d' "$LOCKOUT")" apphost_start topology --replicas 2

# login URL PASSWORD: prints "status seconds retry-after" for one attempt on the owner's account.
login() {
  curl -sS -m 10 -o /dev/null -D "$WORK/headers" -w '%{http_code} %{time_total}' -X POST "$1/api/users/login" \
    -H 'content-type: application/json' -d "{\"user\":{\"email\":\"$EMAIL\",\"password\":\"$2\"}}" || true
  printf ' %s\n' "$(tr -d '\r' <"$WORK/headers" | sed -n 's/^[Rr]etry-[Aa]fter: //p')"
}

user="brute$RANDOM$RANDOM"
EMAIL="$user@example.com"
PASSWORD="correct horse battery staple"
curl -fsS -m 10 -o /dev/null -X POST "$GATEWAY/api/users" -H 'content-type: application/json' \
  -d "{\"user\":{\"username\":\"$user\",\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}}"

started=$(date +%s.%N)
for i in $(seq "$ATTEMPTS"); do login "$GATEWAY" "wrong password $i"; done >"$WORK/attempts"
elapsed=$(echo "$(date +%s.%N) - $started" | bc)
summary() { awk -v code="$1" '$1 == code {n++; t += $2} END {printf "%d (mean %.1f ms)", n, n ? 1000 * t / n : 0}' "$WORK/attempts"; }
echo "$ATTEMPTS wrong passwords through the balancer in $(printf '%.1f' "$elapsed") s: 401 x $(summary 401), 429 x $(summary 429)"
others=$(awk '$1 != 401 && $1 != 429' "$WORK/attempts" | wc -l)

failed=0
[ "$others" -eq 0 ] || { echo "FAIL: $others answers were neither 401 nor 429" >&2; failed=1; }
# The answers in order, as runs: 401x5 429x95, or, when a lock ends during the run, 401x5 429xN 401x5 429xM (the second
# lock twice as long).
echo "in order: $(awk '{if ($1 != last && NR > 1) {printf "%sx%d ", last, n; n = 0} last = $1; n++} END {printf "%sx%d\n", last, n}' "$WORK/attempts")"
first_429=$(awk '$1 == 429 {print NR; exit}' "$WORK/attempts")
[ "${first_429:-0}" -eq 6 ] || { echo "FAIL: expected the 6th attempt to be the first 429, got ${first_429:-none}" >&2; failed=1; }
longest_401=$(awk '$1 == 401 {run++; if (run > max) max = run} $1 != 401 {run = 0} END {print max + 0}' "$WORK/attempts")
[ "$longest_401" -le 5 ] || { echo "FAIL: $longest_401 passwords checked in a row, more than the limit of 5" >&2; failed=1; }

for n in 0 1; do
  read -r status _ retry <<<"$(login "$(replica_url "$n")" "$PASSWORD")"
  echo "api replica $n, directly, right password during the lock: $status (Retry-After: ${retry:-none})"
  [ "$status" = 429 ] && [ -n "$retry" ] || { echo "FAIL: replica $n did not refuse the locked account" >&2; failed=1; }
done

# The owner waits as long as Retry-After says, then tries again, until admitted (bounded: 60 s).
waited_from=$(date +%s.%N)
deadline=$(( $(date +%s) + 60 ))
while :; do
  read -r status _ retry <<<"$(login "$GATEWAY" "$PASSWORD")"
  [ "$status" = 429 ] || break
  [ "$(date +%s)" -lt "$deadline" ] || break
  sleep "${retry:-1}"
done
echo "owner's login after waiting $(printf '%.1f' "$(echo "$(date +%s.%N) - $waited_from" | bc)") s (lock $LOCKOUT s): $status"
[ "$status" = 200 ] || { echo "FAIL: the owner could not log in after the lock" >&2; failed=1; }

# The success started the count over: the next wrong password is checked (401), not refused.
read -r status _ <<<"$(login "$GATEWAY" "wrong again")"
echo "a wrong password right after the owner's login: $status"
[ "$status" = 401 ] || { echo "FAIL: the owner's login did not reset the count" >&2; failed=1; }
exit "$failed"
