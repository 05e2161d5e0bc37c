#!/usr/bin/env bash
# Loads a realistic dataset into a RUNNING AspireScale system: 1,000 users (password "password"), 20,000 articles with
# tags, ~20,000 follows, ~50,000 favorites and ~40,000 comments, generated inside PostgreSQL in one transaction.
#
#   bench/seed/seed.sh [path/to/apphost.json]     (default: <repo>/.aspirescale/apphost.json)
#
# Reads ConnectionStrings "conduit" (the primary) from the AppHost's apphost.json. Refuses to seed twice: if the
# seeded users are already there it says so and exits 0. SEED_USERS / SEED_ARTICLES change the size.
set -euo pipefail

SEED_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SEED_DIR/../.." && pwd)"
MANIFEST="${1:-$REPO/.aspirescale/apphost.json}"
USERS="${SEED_USERS:-1000}"
ARTICLES="${SEED_ARTICLES:-20000}"
PSQL="${PSQL:-psql}"

die() { echo "seed: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }

[ -f "$MANIFEST" ] || die "no $MANIFEST: start the AppHost first (or pass the path of its apphost.json)"
command -v "$PSQL" >/dev/null || die "psql not found (apt-get install postgresql-client)"

# One value from apphost.json: jq when present, else python3.
json_get() { # filter-path e.g. connectionStrings.conduit
  if command -v jq >/dev/null; then
    jq -er ".$1 // empty" "$MANIFEST"
  else
    python3 -c 'import json,sys
v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v.get(k) if isinstance(v,dict) else None
print(v if v is not None else ""); sys.exit(0 if v is not None else 1)' "$MANIFEST" "$1"
  fi
}

state="$(json_get state || true)"
[ "$state" = "ready" ] || die "the AppHost is not ready (state: ${state:-unknown}); wait for its 'ready:' line"
conduit="$(json_get connectionStrings.conduit)" \
  || die "apphost.json has no connectionStrings.conduit"
data_dir="$(json_get dataDirectory || dirname "$MANIFEST")"

# Npgsql keyword string -> libpq environment (psql then needs no password prompt and no URL escaping).
IFS=';' read -ra parts <<<"$conduit"
for part in "${parts[@]}"; do
  key="$(echo "${part%%=*}" | tr '[:upper:]' '[:lower:]' | tr -d ' ')"
  value="${part#*=}"
  case "$key" in
    host|server) export PGHOST="$value" ;;
    port) export PGPORT="$value" ;;
    username|userid|user) export PGUSER="$value" ;;
    password) export PGPASSWORD="$value" ;;
    database) export PGDATABASE="$value" ;;
  esac
done
[ "${PGHOST:-}" = "127.0.0.1" ] || [ "${PGHOST:-}" = "localhost" ] || die "refusing to seed a non-local database (${PGHOST:-no host})"
export PGAPPNAME=aspirescale-seed PGCONNECT_TIMEOUT=10

if [ "$("$PSQL" -XAtq -c "SELECT count(*) FROM users WHERE username LIKE 'seed-user-%'")" != "0" ]; then
  echo "seed: already seeded ($PGDATABASE on $PGHOST:$PGPORT has seed-user-* users); nothing to do."
  exit 0
fi

# The hash of "password": computed once by a C# file-based app and kept in the data folder (the first build of the
# app takes a while; later runs reuse it).
started=$(now_ms)
hash_file="$data_dir/seed/password-hash"
if [ ! -s "$hash_file" ]; then
  mkdir -p "$(dirname "$hash_file")"
  dotnet run "$SEED_DIR/hash-password.cs" -- password >"$hash_file.tmp"
  mv "$hash_file.tmp" "$hash_file"
fi
password_hash="$(cat "$hash_file")"
case "$password_hash" in AQAAAA*) ;; *) rm -f "$hash_file"; die "unexpected password hash: $password_hash" ;; esac
hashed=$(now_ms)
echo "seed: password hash ready in $(( hashed - started )) ms"

echo "seed: loading $USERS users and $ARTICLES articles into $PGDATABASE on $PGHOST:$PGPORT"
"$PSQL" -Xq --single-transaction -v ON_ERROR_STOP=1 \
  -v password_hash="$password_hash" -v users="$USERS" -v articles="$ARTICLES" -f "$SEED_DIR/seed.sql"
loaded=$(now_ms)
# Fresh statistics so the planner uses the indexes right away (ANALYZE cannot run inside the load's transaction).
"$PSQL" -Xq -c "ANALYZE users, articles, follows, favorites, comments"
analyzed=$(now_ms)

"$PSQL" -XAt -F ' ' -c "SELECT (SELECT count(*) FROM users WHERE username LIKE 'seed-user-%'),
  (SELECT count(*) FROM articles WHERE slug LIKE 'seed-article-%'), (SELECT count(*) FROM follows),
  (SELECT count(*) FROM favorites), (SELECT count(*) FROM comments)" |
  { read -r users articles follows favorites comments
    echo "seed: $users users, $articles articles, $follows follows, $favorites favorites, $comments comments in the database"; }
echo "seed: load $(( loaded - hashed )) ms, analyze $(( analyzed - loaded )) ms, total $(( analyzed - started )) ms"
echo "seed: every seeded user (e.g. seed-user-0001@seed.example) logs in with password \"password\""
