#!/bin/sh
# azd postdeploy hook of the `migrations` service: azd has just pointed the Container Apps job at the new image;
# run it once and wait. A non-zero exit stops `azd deploy` before the api and worker (which `use` migrations in
# azure.yaml) roll out, so no new code serves a schema that is not there yet.
set -eu

: "${AZURE_RESOURCE_GROUP:?set by azd from the main.bicep outputs}"
: "${SERVICE_MIGRATIONS_NAME:?set by azd from the main.bicep outputs}"
timeout_seconds="${MIGRATIONS_TIMEOUT_SECONDS:-1800}"
poll_seconds=10

execution="$(az containerapp job start \
  --name "$SERVICE_MIGRATIONS_NAME" --resource-group "$AZURE_RESOURCE_GROUP" \
  --query name --output tsv)"
echo "migrations: started execution $execution"

waited=0
while :; do
  status="$(az containerapp job execution show \
    --name "$SERVICE_MIGRATIONS_NAME" --resource-group "$AZURE_RESOURCE_GROUP" \
    --job-execution-name "$execution" --query properties.status --output tsv)"
  case "$status" in
    Succeeded)
      echo "migrations: $execution succeeded"
      exit 0 ;;
    Failed|Stopped|Degraded)
      echo "migrations: $execution ended $status; its logs:" >&2
      echo "  az containerapp job logs show --name $SERVICE_MIGRATIONS_NAME --resource-group $AZURE_RESOURCE_GROUP --execution $execution --container migrations" >&2
      exit 1 ;;
  esac
  if [ "$waited" -ge "$timeout_seconds" ]; then
    echo "migrations: $execution still $status after ${timeout_seconds}s; stopping it" >&2
    az containerapp job stop --name "$SERVICE_MIGRATIONS_NAME" --resource-group "$AZURE_RESOURCE_GROUP" \
      --job-execution-name "$execution" --output none || true
    exit 1
  fi
  # Polling Azure's control plane, not waiting for readiness: the execution status is the only signal there is.
  sleep "$poll_seconds"
  waited=$((waited + poll_seconds))
done
