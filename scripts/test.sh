#!/usr/bin/env bash
# Run the whole test suite against a real PostgreSQL.
#
#   scripts/test.sh [cargo test args...]
#
# The tests use DOPPEL_TEST_URL when it is set. Otherwise they use the server
# on 127.0.0.1:5432 if one answers; if none does, this script starts a
# private throwaway cluster (initdb + pg_ctl from PATH or
# /usr/lib/postgresql/*/bin) for the run and removes it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

find_pg_bin() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return
  fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$d" ] && echo "$d"
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() { :; }
trap 'cleanup' EXIT

if [ -z "${DOPPEL_TEST_URL:-}" ]; then
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null &&
    psql -X -q -h 127.0.0.1 -p 5432 -U postgres -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
    export DOPPEL_TEST_URL=postgres://postgres@127.0.0.1:5432/postgres
  else
    bin=$(find_pg_bin)
    if [ -z "$bin" ]; then
      echo "scripts/test.sh: no PostgreSQL server on 127.0.0.1:5432 and no initdb to start one." >&2
      echo "Install PostgreSQL (Debian: apt-get install postgresql) or set DOPPEL_TEST_URL." >&2
      exit 1
    fi
    dir=$(mktemp -d /tmp/doppel-test-pg.XXXXXX)
    port=55433
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log"
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c max_connections=200" start >/dev/null
    cleanup() { as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
    export DOPPEL_TEST_URL="postgres://postgres@127.0.0.1:$port/postgres"
    export PATH="$bin:$PATH"
    echo "scripts/test.sh: started a private PostgreSQL on port $port for the tests"
  fi
fi
echo "scripts/test.sh: testing against $DOPPEL_TEST_URL"
cargo test --locked "$@"
