#!/usr/bin/env bash
# Runs the RealWorld Postman collection (../shared/realworld, 32 requests, 311 assertions) with newman against a
# running API and fails on any failed assertion.
#
#   scripts/conformance.sh API_ROOT [REPORT_JSON]
#   e.g. scripts/conformance.sh http://127.0.0.1:5080/api bench/results/conformance.json
#
# newman is installed from npm into <repo>/.tools/newman (git-ignored node_modules) on first use.
# The last line is "newman: N passed, N failed" (assertions).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NEWMAN_VERSION="6.2.2"
TOOLS="$REPO/.tools/newman"
NEWMAN="$TOOLS/node_modules/.bin/newman"
COLLECTION="${CONDUIT_COLLECTION:-$REPO/../shared/realworld/Conduit.postman_collection.json}"

die() { echo "conformance: $*" >&2; exit 2; }

[ $# -ge 1 ] || die "usage: $0 API_ROOT [REPORT_JSON]   (API_ROOT like http://127.0.0.1:PORT/api)"
API_ROOT="${1%/}"
REPORT="${2:-$REPO/bench/results/conformance.json}"
case "$API_ROOT" in
  http://127.0.0.1:*|http://localhost:*|http://\[::1\]:*) ;;
  *) die "API_ROOT must be a local URL (http://127.0.0.1:PORT/api), got $API_ROOT" ;;
esac
[ -f "$COLLECTION" ] || die "no collection at $COLLECTION"
command -v node >/dev/null || die "node is required (apt-get install nodejs npm)"

if [ ! -x "$NEWMAN" ]; then
  echo "conformance: installing newman $NEWMAN_VERSION into $TOOLS"
  mkdir -p "$TOOLS/node_modules"
  # --no-save and --no-package-lock: nothing but node_modules (git-ignored) is written.
  npm install --prefix "$TOOLS" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "newman@$NEWMAN_VERSION" >/dev/null
  [ -x "$NEWMAN" ] || die "newman did not install"
fi

# A fresh user each run: the collection registers USERNAME and celeb_USERNAME.
USERNAME="conf$(date +%s)$RANDOM"
mkdir -p "$(dirname "$REPORT")"
rm -f "$REPORT"

set +e
"$NEWMAN" run "$COLLECTION" \
  --delay-request 1 \
  --global-var "APIURL=$API_ROOT" \
  --global-var "USERNAME=$USERNAME" \
  --global-var "EMAIL=$USERNAME@mail.com" \
  --global-var "PASSWORD=password" \
  --reporters cli,json \
  --reporter-json-export "$REPORT" \
  --color off
newman_status=$?
set -e

[ -s "$REPORT" ] || die "newman wrote no report (exit $newman_status)"
read -r total failed requests_failed < <(node -e '
  const run = require(process.argv[1]).run;
  const a = run.stats.assertions, r = run.stats.requests;
  console.log(a.total, a.failed, r.failed);' "$(realpath "$REPORT")")
passed=$(( total - failed ))
echo "newman: $passed passed, $failed failed"
if [ "$failed" -ne 0 ] || [ "$requests_failed" -ne 0 ] || [ "$newman_status" -ne 0 ]; then
  exit 1
fi
