#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL database.
#
#   scripts/pg.sh run CMD...   create a fresh database, run CMD with FACTORY_TEST_DATABASE_URL set, drop it
#
# Uses the server at $PGHOST:$PGPORT when one answers there; otherwise starts a local cluster (as the
# postgres user, since PostgreSQL refuses to run as root) in /tmp/microfactory-pg-$PGPORT, kept for the
# next run. Tuned for tests (fsync off): never point production here.
set -euo pipefail
PGPORT=${MF_PGPORT:-54329}
PGHOST=127.0.0.1
DATA=/tmp/microfactory-pg-$PGPORT
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$BIN" ] || { echo "PostgreSQL is not installed (make system-packages)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

ready() { "$BIN/pg_isready" -q -h "$PGHOST" -p "$PGPORT"; }

if ! ready; then
  if [ ! -s "$DATA/PG_VERSION" ]; then
    mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$DATA"
    as_pg "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 start \
    -o "-p $PGPORT -k /tmp -c listen_addresses=$PGHOST -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
fi

cmd=${1:-}
shift || true
case "$cmd" in
  run)
    db="mf_test_$$_$RANDOM"
    psql_() { "$BIN/psql" -q -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }
    psql_ -c "CREATE DATABASE $db"
    trap 'psql_ -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
    export FACTORY_TEST_DATABASE_URL="postgresql+psycopg://postgres@$PGHOST:$PGPORT/$db"
    export MF_PG_ADMIN_URL="postgresql+psycopg://postgres@$PGHOST:$PGPORT/postgres"
    echo "PostgreSQL: database $db on $PGHOST:$PGPORT"
    "$@"
    ;;
  *)
    echo "postgresql+psycopg://postgres@$PGHOST:$PGPORT/postgres"
    ;;
esac
