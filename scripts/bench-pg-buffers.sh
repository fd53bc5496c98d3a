#!/usr/bin/env bash
# The catalogue benchmark (scripts/bench-catalogue.sh: a million titles, the
# search mix, one broad word, records and 4,000 first-time searches) on one
# PostgreSQL cluster with its buffer pool at different sizes in turns, so
# the sizes are compared on the same data in the same minutes. The
# catalogue is built once, in the first turn; each turn restarts PostgreSQL
# with the next size (an empty pool; the files stay in the system's cache)
# and starts a fresh Bieb server (no cached hit lists).
#
#   scripts/with-postgres.sh scripts/bench-pg-buffers.sh [seconds] [size ...]
#
# Sizes default to "128MB 2GB 2GB 128MB": PostgreSQL's default against a
# production setting (a quarter of the memory of a small database server).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${BIEB_TEST_POSTGRES_URL:-}" ] || { echo "run it inside scripts/with-postgres.sh" >&2; exit 1; }
DURATION=${1:-20}
shift || true
SIZES=${*:-128MB 2GB 2GB 128MB}
reuse=""
for size in $SIZES; do
  psql "$BIEB_TEST_POSTGRES_URL" -qc "ALTER SYSTEM SET shared_buffers = '$size'"
  $BIEB_PG_CTL -D "$BIEB_PGDATA" -m fast -w restart >/dev/null
  echo "==== shared_buffers = $(psql "$BIEB_TEST_POSTGRES_URL" -tAc 'SHOW shared_buffers')"
  BIEB_BENCH_REUSE=$reuse scripts/bench-catalogue.sh "$DURATION"
  reuse=1
done
