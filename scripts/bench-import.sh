#!/usr/bin/env bash
# The catalogue import of docs/PERFORMANCE.md side by side: the 250,000 real
# Library of Congress records into an empty catalogue, on embedded SQLite and
# (inside scripts/with-postgres.sh) on PostgreSQL, alternately, so both are
# measured on the same machine in the same minutes.
#
#   scripts/with-postgres.sh scripts/bench-import.sh [rounds]    SQLite and PostgreSQL
#   scripts/bench-import.sh [rounds]                              SQLite only
#
# BIEB may name another build; by default the release build here. BIEB_B
# names a second build to measure beside it, in turns (A B, then B A, …), so
# a change is compared with its baseline in the same minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
if [ -z "${BIEB:-}" ]; then swift build -c release --product bieb >/dev/null; BIEB=.build/release/bieb; fi
scripts/fetch-marc-data.sh >/dev/null
FILE=bench-data/BooksAll.2016.part01.utf8
export LOG_LEVEL=warning
WORK=$(mktemp -d /tmp/bieb-import.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

run() {  # build, label, engine, then the database option
  local build=$1 label=$2 engine=$3; shift 3
  "$build" org create --slug bench --name Bench "$@" >/dev/null
  /usr/bin/time -f "   (wall %e s, max memory %M kB, CPU of the importer %U s user + %S s system)" \
    "$build" import marc "$FILE" --org bench "$@" 2>&1 | tr '\r' '\n' | grep -E "^Read |^   \(wall" | sed "s/^Read /$label$engine: Read /"
}

both() {  # build, label
  rm -rf "$WORK/sqlite"; mkdir -p "$WORK/sqlite"
  run "$1" "$2" SQLite --data "$WORK/sqlite"
  if [ -n "${BIEB_TEST_POSTGRES_URL:-}" ]; then
    psql "$BIEB_TEST_POSTGRES_URL" -qc "DROP SCHEMA public CASCADE; CREATE SCHEMA public;" >/dev/null 2>&1
    run "$1" "$2" PostgreSQL --database "$BIEB_TEST_POSTGRES_URL"
  fi
}

for round in $(seq "$ROUNDS"); do
  echo "== round $round"
  if [ -z "${BIEB_B:-}" ]; then both "$BIEB" ""
  elif [ $((round % 2)) -eq 1 ]; then both "$BIEB" "A "; both "$BIEB_B" "B "
  else both "$BIEB_B" "B "; both "$BIEB" "A "
  fi
done
