#!/usr/bin/env bash
# Quick start 1: set up and launch the whole system (PostgreSQL + replica, Redis, RabbitMQ, migrations, API replicas,
# Worker, load balancer). Options go to the AppHost: --replicas N --workers N --port P --data DIR --fresh --otlp URL --balancing P
# --gateway-cache on|off --pgbouncer (see the README).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo/scripts/setup.sh"
exec dotnet run --project "$repo/AppHost" --no-build --configuration "${CONFIGURATION:-Debug}" -- "$@"
