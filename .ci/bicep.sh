#!/usr/bin/env bash
# Compiles and lints every Bicep file under infra/ with the Bicep CLI pinned in Directory.Packages.props, which comes
# from NuGet (infra/tools/BicepCli.csproj). Prints one line per file; any error or warning fails the run
# (infra/bicepconfig.json raises the linter rules). Templates land in infra/bin/ (git-ignored).
#   .ci/bicep.sh            build and lint everything
#   .ci/bicep.sh --locate   only restore the CLI and print its path
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tool_project="$repo/infra/tools/BicepCli.csproj"
out="$repo/infra/bin"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
# The CLI is a self-contained .NET app; don't let a machine without ICU stop it.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1

locate_bicep() {
  dotnet restore "$tool_project" --verbosity quiet >&2
  local path
  path="$(dotnet msbuild "$tool_project" -nologo -getProperty:BicepCliPath)"
  if [ ! -f "$path" ]; then
    echo "bicep: restoring $tool_project did not produce $path" >&2
    return 1
  fi
  # NuGet extracts the binary without its execute bit.
  chmod +x "$path"
  printf '%s\n' "$path"
}

bicep="$(locate_bicep)"
if [ "${1:-}" = "--locate" ]; then
  echo "$bicep"
  exit 0
fi
echo "bicep: $("$bicep" --version)"

rm -rf "$out"
mkdir -p "$out"
files=()
while IFS= read -r -d '' file; do files+=("$file"); done \
  < <(find "$repo/infra" -name '*.bicep' -not -path "$out/*" -not -path "$repo/infra/tools/*" -print0 | sort -z)
if [ ${#files[@]} -eq 0 ]; then
  echo "bicep: no .bicep files under infra/" >&2
  exit 1
fi

# One process per command (the CLI takes seconds to start); diagnostics name their file, so each file gets its line.
status=0
diagnostics="$(cd "$repo/infra" && "$bicep" build --pattern '**/*.bicep' --outdir "$out" 2>&1)" || status=$?
lint="$(cd "$repo/infra" && "$bicep" lint --pattern '**/*.bicep' 2>&1)" || status=$?
diagnostics="$(printf '%s\n%s\n' "$diagnostics" "$lint" | grep -v '^$' | sort -u || true)"

failed=0
for file in "${files[@]}"; do
  relative="${file#"$repo"/}"
  target="$out/${relative#infra/}"
  target="${target%.bicep}.json"
  own="$(grep -F "$file(" <<<"$diagnostics" || true)"
  if [ -n "$own" ] || [ ! -s "$target" ]; then
    echo "FAIL  $relative"
    [ -n "$own" ] && sed 's/^/      /' <<<"$own"
    [ -s "$target" ] || echo "      no template at ${target#"$repo"/}"
    failed=$((failed + 1))
  else
    echo "ok    $relative -> ${target#"$repo"/}"
  fi
done
# Anything not tied to one of the files (a bad bicepconfig.json, a crash) fails the run too.
other="$(grep -vF -f <(printf '%s(\n' "${files[@]}") <<<"$diagnostics" || true)"
if [ -n "$other" ]; then
  echo "FAIL  (not tied to one file)"
  sed 's/^/      /' <<<"$other"
  failed=$((failed + 1))
elif [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "FAIL  bicep exited $status without a diagnostic"
  failed=1
fi

if [ "$failed" -ne 0 ]; then
  echo "bicep: $failed problem(s) in ${#files[@]} files"
  exit 1
fi
echo "bicep: ${#files[@]} files built and linted clean"
