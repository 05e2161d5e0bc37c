#!/usr/bin/env bash
# Starts the Aspire AppHost with its dashboard on free loopback ports, waits for `ready:`, signs in to the
# dashboard with the login token the AppHost prints, waits until every resource row shows, and saves a screenshot of the
# resources page (headless Debian Chromium driven by playwright-core from npm). Stops the AppHost on the way out.
#
#   scripts/dashboard-screenshot.sh [OUT_PNG]      (default docs/dashboard.png)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$repo/docs/dashboard.png}"
tools="$repo/.tools/playwright"
command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
if [ ! -d "$tools/node_modules/playwright-core" ]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-save --no-package-lock --no-audit --no-fund --loglevel=error playwright-core@1.64.1 >/dev/null
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
data="$(mktemp -d /tmp/aspirescale-dashboard-XXXXXX)"
log="$data.log"
: >"$log"
dashboard="http://127.0.0.1:$(free_port)"
ASPNETCORE_URLS="$dashboard" \
ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL="http://127.0.0.1:$(free_port)" \
ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL="http://127.0.0.1:$(free_port)" \
ASPIRE_ALLOW_UNSECURED_TRANSPORT=true \
DOTNET_ENVIRONMENT=Development \
  setsid dotnet run --project "$repo/AppHost" --no-build --no-launch-profile -- --data "$data" >"$log" 2>&1 &
apphost=$!
cleanup() { kill -TERM "$apphost" 2>/dev/null || true; wait "$apphost" 2>/dev/null || true; rm -rf "$data" "$log"; }
trap cleanup EXIT

for _ in $(seq 1 240); do grep -q '^ready: ' "$log" && break; kill -0 "$apphost" 2>/dev/null || { cat "$log"; exit 1; }; sleep 1; done
grep -q '^ready: ' "$log" || { echo "the AppHost was not ready in 240 s"; tail -40 "$log"; exit 1; }
login="$(grep -o 'http://[^ ]*/login?t=[0-9a-f]*' "$log" | head -1)"
[ -n "$login" ] || { echo "no dashboard login URL in the AppHost's output"; exit 1; }

NODE_PATH="$tools/node_modules" node - "$login" "$dashboard" "$out" <<'JS'
const { chromium } = require('playwright-core');
const [login, dashboard, out] = process.argv.slice(2);
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage({ viewport: { width: 1700, height: 1000 } });
  await page.goto(login);
  await page.goto(dashboard + '/');
  // The grid renders late: wait until the last resources appear, then until no row still says Starting or Waiting.
  await page.getByText('api-1', { exact: true }).first().waitFor({ timeout: 120000 });
  await page.getByText('worker', { exact: true }).first().waitFor({ timeout: 120000 });
  for (let i = 0; i < 60; i++) {
    const text = await page.locator('body').innerText();
    if (!/\b(Starting|Waiting|Unhealthy)\b/.test(text)) break;
    await page.waitForTimeout(1000);
  }
  await page.waitForTimeout(1500);
  await page.screenshot({ path: out });
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
JS
echo "dashboard screenshot: $out"
