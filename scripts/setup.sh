#!/usr/bin/env bash
# Installs what AspireScale needs on a fresh Debian/Ubuntu machine with the .NET 10 SDK, then restores and builds.
# Safe to run again: it installs only what is missing.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v rabbitmq-server >/dev/null || [ -x /usr/sbin/rabbitmq-server ] || need+=(rabbitmq-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v psql >/dev/null || need+=(postgresql-client)
command -v setpriv >/dev/null || need+=(util-linux)
command -v wrk >/dev/null || need+=(wrk)
command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || need+=(pgbouncer)
command -v npm >/dev/null || need+=(nodejs npm)
command -v curl >/dev/null || need+=(curl)
command -v jq >/dev/null || need+=(jq)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The OS packages start system-wide servers where an init system runs; AspireScale runs its own on private ports.

configuration="${CONFIGURATION:-Debug}"
dotnet restore AspireScale.sln --verbosity quiet
dotnet build AspireScale.sln --no-restore --configuration "$configuration" --verbosity quiet -nologo
