#!/usr/bin/env bash
# The catalogue import of docs/PERFORMANCE.md side by side: the 250,000 real
# Library of Congress records into an empty catalogue, on embedded SQLite and
# (inside scripts/with-postgres.sh) on PostgreSQL, alternately, so both are
# measured on the same machine in the same minutes.
#
#   scripts/with-postgres.sh scripts/bench-import.sh [rounds]    SQLite and PostgreSQL
#   scripts/bench-import.sh [rounds]                              SQLite only
#
# BIEB may name another build (to compare two); by default the release build here.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
if [ -z "${BIEB:-}" ]; then swift build -c release --product bieb >/dev/null; BIEB=.build/release/bieb; fi
scripts/fetch-marc-data.sh >/dev/null
FILE=bench-data/BooksAll.2016.part01.utf8
export LOG_LEVEL=warning
WORK=$(mktemp -d /tmp/bieb-import.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

run() {  # engine, then the database option
  local engine=$1; shift
  "$BIEB" org create --slug bench --name Bench "$@" >/dev/null
  /usr/bin/time -f "   (wall %e s, max memory %M kB, CPU of the importer %U s user + %S s system)" \
    "$BIEB" import marc "$FILE" --org bench "$@" 2>&1 | tr '\r' '\n' | grep -E "^Read |^   \(wall" | sed "s/^Read /$engine: Read /"
}

for round in $(seq "$ROUNDS"); do
  echo "== round $round"
  rm -rf "$WORK/sqlite"; mkdir -p "$WORK/sqlite"
  run SQLite --data "$WORK/sqlite"
  if [ -n "${BIEB_TEST_POSTGRES_URL:-}" ]; then
    psql "$BIEB_TEST_POSTGRES_URL" -qc "DROP SCHEMA public CASCADE; CREATE SCHEMA public;" >/dev/null 2>&1
    run PostgreSQL --database "$BIEB_TEST_POSTGRES_URL"
  fi
done
