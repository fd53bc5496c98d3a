#!/usr/bin/env bash
# The national network's growth curve of docs/PERFORMANCE.md (embedded
# SQLite, or PostgreSQL): the circulation benchmark's database (Den Haag with 1.25 million
# copies and 100,000 members; scripts/bench-circulation.sh builds it) grown
# step by step toward the Dutch network — 137 organisations, 1,270 branches,
# 3.6 million members, 25 million copies, 54 million loans a year — by
# `bieb-bench national` (average organisations with members, a catalogue
# imported from the Library of Congress records and their variants, three
# copies a title, a year of loans). At each FRACTION, measured at Den Haag,
# on a freshly started server:
#   - roll-ups: a day of the whole network's lending into the statistics (`bieb-bench national-day`);
#   - search: 4,000 first-time queries, each once, 8 connections (p95);
#   - record: title pages with copies per branch, 8 connections, 15 s (p95);
#   - checkout: the desk's checkouts and returns over HTTP, 16 connections, 20 s (p99);
#   - SIP2: 50 kiosks lending and taking in at SIP2_RATE transactions a second (default 500), 20 s (p99);
# each after the server's start-up jobs are done (it is idle again).
#   - disk (database and its WAL) and the server's memory (resident, after the runs).
#
#   scripts/bench-national.sh [FRACTION...]       default: 0.05 0.1 0.25
#   scripts/with-postgres.sh scripts/bench-national.sh [FRACTION...]   PostgreSQL (built from scratch each run)
#
# On PostgreSQL, BIEB_BENCH_STATEMENTS=1 prints where the day's statistics and privacy run spent its time, by
# statement (with BIEB_PG_SETTINGS="-c shared_preload_libraries=pg_stat_statements" for the cluster).
#
# The grown database stays in bench-data/national (about 0.6–0.7 GB an
# organisation); a later run with larger fractions goes on from it. Delete it
# to start again. Needs wrk and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
LEVELS=${*:-0.05 0.1 0.25}
PORT=8193
SIP2_PORT=6193
if [ -n "${BIEB_TEST_POSTGRES_URL:-}" ]; then
  # PostgreSQL (inside scripts/with-postgres.sh): built from scratch in the throw-away cluster.
  export DATABASE_URL="$BIEB_TEST_POSTGRES_URL"
  ENGINE=PostgreSQL
  DATA=$(mktemp -d /tmp/bieb-national-pg.XXXXXX)
  DB="$DATABASE_URL"
else
  ENGINE=SQLite
  DATA=bench-data/national
  DB=$DATA/bieb.sqlite
fi

command -v wrk >/dev/null || { echo "install wrk first (apt-get install wrk)" >&2; exit 1; }
# BIEB and BENCH may name other builds; by default, the release build here.
if [ -z "${BIEB:-}" ]; then swift build -c release --product bieb >/dev/null; BIEB=.build/release/bieb; fi
if [ -z "${BENCH:-}" ]; then swift build -c release --product bieb-bench >/dev/null; BENCH=.build/release/bieb-bench; fi
export BIEB BENCH
scripts/fetch-marc-data.sh >/dev/null
REAL=bench-data/BooksAll.2016.part01.utf8
SYNTHETIC=bench-data/synthetic-750k.mrc
[ -s "$SYNTHETIC" ] || $BENCH generate-marc "$REAL" "$SYNTHETIC" 3
. scripts/bench/ask-each-once.sh

# Waits until the machine has been idle for two seconds (under 5 % of a core busy; at most ten minutes): the
# server and, on PostgreSQL, the database server have finished what they were doing.
wait_idle() {
  local before after
  busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
  for _ in $(seq 1 300); do
    before=$(busy); sleep 2; after=$(busy)
    [ $((after - before)) -lt 10 ] && return 0
  done
}

if [ "$ENGINE" = PostgreSQL ]; then
  # The circulation benchmark's database, as scripts/bench-circulation.sh builds it: the demo, then the real
  # records with five copies each, then its 100,000 members (circulation-setup below).
  echo "== building the base (demo, 250,000 titles with 1.25 million copies) on PostgreSQL"
  LOG_LEVEL=warning $BIEB demo --data "$DATA" --port $PORT --sip2-port 0 >"$DATA/demo.log" 2>&1 &
  DEMO=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.5; done
  kill $DEMO; wait $DEMO 2>/dev/null || true
  $BIEB import marc "$REAL" --org den-haag --items 5 --data "$DATA" 2>&1 | tr '\r' '\n' | grep -aE "^Read "
  $BENCH circulation-setup "$DB" den-haag 100000 100000 "$DATA" | tail -1
elif [ ! -s "$DB" ]; then
  [ -s bench-data/sqlite-circ/bieb.sqlite ] || scripts/bench-circulation.sh 5
  mkdir -p "$DATA"
  cp bench-data/sqlite-circ/bieb.sqlite "$DB"
fi
$BIEB migrate --data "$DATA" >/dev/null

SCRATCH=$(mktemp -d /tmp/bieb-national.XXXXXX)
SERVER=
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$SCRATCH"; if [ "$ENGINE" = PostgreSQL ]; then rm -rf "$DATA"; fi' EXIT
for FRACTION in $LEVELS; do
  echo "== $FRACTION of the national network"
  $BENCH national "$DB" "$FRACTION" "$REAL" "$SYNTHETIC"
  if [ "$ENGINE" = PostgreSQL ]; then
    # What autovacuum does after a bulk load (vacuum and statistics of the grown tables), done first and written
    # out: at the 28 % step its vacuum of the loans ran under the day's statistics and privacy run.
    START=$(date +%s)
    psql "$DB" -qc "VACUUM (ANALYZE)" -c "CHECKPOINT"
    echo "vacuumed in $(( $(date +%s) - START )) s"
    if [ -n "${BIEB_BENCH_STATEMENTS:-}" ]; then
      psql "$DB" -qc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null
    fi
  fi
  $BENCH national-day "$DB"
  if [ "$ENGINE" = PostgreSQL ]; then
    if [ -n "${BIEB_BENCH_STATEMENTS:-}" ]; then
      echo "the day's statements by time in the database:"
      psql "$DB" -c "SELECT calls, round(total_exec_time) AS total_ms, rows, shared_blks_read AS blocks_read,
          left(regexp_replace(query, '\s+', ' ', 'g'), 120) AS query FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12"
    fi
    echo "disk: $(psql "$DB" -Atc "SELECT pg_size_pretty(pg_database_size(current_database()))") (the database)"
    # How a broad word is found at Den Haag: by the index's organisation and term together, reading only its rows.
    ORG=$(psql "$DB" -Atc "SELECT id FROM organisations WHERE slug = 'den-haag'")
    echo "search plan at Den Haag for a broad word (history):"
    psql "$DB" -Atc "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*) FROM title_search
      WHERE doc @@ CAST('histori | history' AS tsquery) AND organisation_id = '$ORG'" | sed 's/^/  /'
  else
    echo "disk: $(du -cb "$DB"* | tail -1 | cut -f1 | numfmt --to=iec) (database and WAL)"
  fi
  # Fresh copies on the shelf and members for the desk and the kiosks (members are made once).
  $BENCH circulation-setup "$DB" den-haag 100000 100000 "$DATA" | tail -1
  $BENCH sip2-setup "$DB" den-haag >/dev/null
  # What the generator wrote goes to disk first, so the measurements do not share the disk with its writing back
  # (once the database outgrows the memory: 34 GB on 23 GB at the 38.5 % step).
  sync
  LOG_LEVEL=notice $BIEB serve --data "$DATA" --port $PORT --sip2-port $SIP2_PORT >"$DATA/serve.log" 2>&1 &
  SERVER=$!
  START=$(date +%s)
  wait_for_search $PORT
  echo "server ready (search columns loaded) in $(( $(date +%s) - START )) s"
  # The hourly jobs run when a server starts (statistics, privacy rules, the copies' counters for organisations that
  # are new): measured after them, as a server that has been running is.
  wait_idle
  echo "start-up jobs done $(( $(date +%s) - START )) s after the start"
  BASE="http://127.0.0.1:$PORT"
  API="$BASE/api/v1/organisations/den-haag"
  python3 scripts/bench/first-time-searches.py "$API" >"$SCRATCH/cold"
  echo "search, first-time ($(wc -l <"$SCRATCH/cold") queries, each once): $(ask_each_once $PORT "$SCRATCH/cold" "$SCRATCH")"
  python3 scripts/bench/record-paths.py "$API" >"$SCRATCH/records"
  echo "record ($(wc -l <"$SCRATCH/records") titles): $(BIEB_PATHS="$SCRATCH/records" wrk -t2 -c8 -d15s -s scripts/bench/catalogue.lua "$BASE" | tail -1)"
  TOKEN=$(curl -sf -X POST "$BASE/api/v1/auth/token" -H 'content-type: application/json' \
    -d '{"email": "medewerker@denhaag.bieb.demo", "password": "bieb-demo-2026"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
  BIEB_PART=0 BIEB_TOKEN="$TOKEN" BIEB_ITEMS="$DATA/items.txt" BIEB_CARDS="$DATA/cards.txt" \
    wrk -t2 -c16 -d5s -s scripts/bench/circulation.lua "$BASE" >/dev/null
  echo "checkout and return: $(BIEB_PART=1 BIEB_TOKEN="$TOKEN" BIEB_ITEMS="$DATA/items.txt" BIEB_CARDS="$DATA/cards.txt" \
    wrk -t2 -c16 -d20s -s scripts/bench/circulation.lua "$BASE" | tail -1)"
  # Copies the desk left out are refused to the kiosks that meet them (counted, with the reason).
  echo "SIP2: $($BENCH sip2 $SIP2_PORT "$DATA/items.txt" "$DATA/cards.txt" 50 20 "${SIP2_RATE:-500}" | head -4 | tr '\n' ' ')"
  echo "server memory: $(( $(ps -o rss= -p $SERVER) / 1024 )) MB resident"
  # What kept the writers waiting a second or more (a write transaction, with its place in the code) or a slow
  # checkpoint, as the server logged it.
  grep -E "held the database|checkpoint" "$DATA/serve.log" | tail -20 | sed 's/^/  server log: /' || true
  kill $SERVER; wait $SERVER 2>/dev/null || true
  SERVER=
done
