#!/usr/bin/env bash
# The circulation benchmark of docs/PERFORMANCE.md: the Den Haag demo network
# with 1,250,000 copies (the 250,000 real Library of Congress records of
# pymarc 5.4.0, five copies each) and 100,000 members; checkouts and returns
# through the HTTP API with wrk at 16 connections.
#
#   scripts/bench-circulation.sh [seconds]                                 embedded SQLite, database in bench-data/sqlite-circ
#   scripts/with-postgres.sh scripts/bench-circulation.sh [seconds]        PostgreSQL (throw-away cluster)
#
# The database is built once (a few minutes on SQLite) and reused; delete
# bench-data/sqlite-circ to build it again. Needs wrk and python3.
#
# On PostgreSQL, BIEB_BENCH_EXPLAIN=1 adds a last phase: five seconds of the
# same desk load with auto_explain logging every statement's plan, then
# scripts/explain-summary.py lists each statement and how it reads each
# table, and fails when one scans loans, items, members, member_cards,
# titles or circulation_events whole.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-30}
PORT=8189
CONNECTIONS=16

command -v wrk >/dev/null || { echo "install wrk first (apt-get install wrk)" >&2; exit 1; }
# BIEB and BENCH may name other builds (to compare two side by side); by default, the release build here.
if [ -z "${BIEB:-}" ]; then swift build -c release --product bieb >/dev/null; BIEB=.build/release/bieb; fi
if [ -z "${BENCH:-}" ]; then swift build -c release --product bieb-bench >/dev/null; BENCH=.build/release/bieb-bench; fi
scripts/fetch-marc-data.sh >/dev/null
REAL=bench-data/BooksAll.2016.part01.utf8

if [ -n "${BIEB_TEST_POSTGRES_URL:-}" ]; then
  export DATABASE_URL="$BIEB_TEST_POSTGRES_URL"
  ENGINE=PostgreSQL
  DATA=$(mktemp -d /tmp/bieb-bench-circ-pg.XXXXXX)
  DB="$DATABASE_URL"
  FRESH=1
else
  ENGINE=SQLite
  DATA=bench-data/sqlite-circ
  DB="$DATA/bieb.sqlite"
  FRESH=0
  [ -s "$DB" ] && [ -s "$DATA/items.txt" ] || FRESH=1
fi

wait_for_server() {
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && return 0; sleep 0.5; done
  echo "the server did not start" >&2; exit 1
}

if [ "$FRESH" = 1 ]; then
  echo "== building the circulation benchmark database ($ENGINE)"
  rm -rf "$DATA" && mkdir -p "$DATA"
  LOG_LEVEL=warning $BIEB demo --data "$DATA" --port $PORT >"$DATA/demo.log" 2>&1 &
  DEMO=$!
  wait_for_server
  kill $DEMO; wait $DEMO 2>/dev/null || true
  [ "$ENGINE" = SQLite ] && mv "$DATA/demo.sqlite" "$DB" && rm -f "$DATA"/demo.sqlite-*
  $BIEB import marc "$REAL" --org den-haag --items 5 --data "$DATA" 2>&1 | grep -aE "^Read "
fi
# BIEB_BENCH_PG_CONNECTIONS="2 4 8": one server after another with that many PostgreSQL connections per event loop
# (BIEB_PG_CONNECTIONS), each measured the same way, side by side in one run.
# BIEB_BENCH_BUILDS="A B B A": bieb binaries taking turns on the same database (built once, by BIEB), each measured
# the same way — two builds side by side in one run, on PostgreSQL too, where building the database takes minutes.
# BIEB_BENCH_EVENT_LOOPS="2 4 8": the same for the server's event loops (BIEB_EVENT_LOOPS), crossed with the above.
# BIEB_BENCH_PERF=1: the measured seconds are also profiled (perf record -a), and each process's share of the two
# cores is printed — the server, the database server, wrk, idle.
SETTINGS=${BIEB_BENCH_PG_CONNECTIONS:-default}
LOOPS=${BIEB_BENCH_EVENT_LOOPS:-default}
SERVER=
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; if [ "$ENGINE" = PostgreSQL ]; then rm -rf "$DATA"; fi' EXIT
for BUILD in ${BIEB_BENCH_BUILDS:-$BIEB}; do
for LOOP in $LOOPS; do
[ "$LOOP" = default ] || export BIEB_EVENT_LOOPS=$LOOP
for SETTING in $SETTINGS; do
[ "$SETTING" = default ] || export BIEB_PG_CONNECTIONS=$SETTING
[ -n "$SERVER" ] && { kill $SERVER; wait $SERVER 2>/dev/null || true; }
# Members (made once) and a fresh random choice of 100,000 copies on the shelf at their own branch.
$BENCH circulation-setup "$DB" den-haag 100000 100000 "$DATA" | tail -1
LOG_LEVEL=warning $BUILD serve --data "$DATA" --port $PORT >"$DATA/serve.log" 2>&1 &
SERVER=$!
wait_for_server
BASE="http://127.0.0.1:$PORT"
TOKEN=$(curl -sf -X POST "$BASE/api/v1/auth/token" -H 'content-type: application/json' \
  -d '{"email": "medewerker@denhaag.bieb.demo", "password": "bieb-demo-2026"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')

echo "== $ENGINE, release build $BUILD, $(nproc) cores; wrk ${DURATION}s, $CONNECTIONS connections, 2 threads; event loops: $LOOP; PostgreSQL connections per event loop: $SETTING"
echo "-- warming up (10 s)"
BIEB_PART=0 BIEB_TOKEN="$TOKEN" BIEB_ITEMS="$DATA/items.txt" BIEB_CARDS="$DATA/cards.txt" \
  wrk -t2 -c$CONNECTIONS -d10s -s scripts/bench/circulation.lua "$BASE" | tail -1
echo "-- checkouts and returns, alternating (each copy lent, then taken in 200 requests later)"
PERF=
[ "${BIEB_BENCH_PERF:-}" = 1 ] && { perf record -a -F 499 -o "$DATA/perf.data" -- sleep "$DURATION" 2>/dev/null & PERF=$!; }
BIEB_PART=1 BIEB_TOKEN="$TOKEN" BIEB_ITEMS="$DATA/items.txt" BIEB_CARDS="$DATA/cards.txt" \
  wrk -t2 -c$CONNECTIONS -d"${DURATION}s" -s scripts/bench/circulation.lua "$BASE" | tail -1
if [ -n "$PERF" ]; then
  wait $PERF || true
  echo "-- where the two cores went (perf, share of all samples; swapper is idle)"
  perf report -i "$DATA/perf.data" --sort comm --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -8 || true
  perf report -i "$DATA/perf.data" --comm postgres --sort sym --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -15 | sed 's/^/   postgres /' || true
fi
done
done
done
if [ "$ENGINE" = PostgreSQL ] && [ "${BIEB_BENCH_EXPLAIN:-}" = 1 ]; then
  echo "== every desk statement's plan on this database (auto_explain, 5 s of the same load)"
  kill $SERVER; wait $SERVER 2>/dev/null || true
  DBNAME=$(psql "$DB" -Atc "SELECT current_database()")
  psql "$DB" -qc "ALTER DATABASE $DBNAME SET session_preload_libraries = 'auto_explain'" \
    -c "ALTER DATABASE $DBNAME SET auto_explain.log_min_duration = 0" -c "ALTER DATABASE $DBNAME SET auto_explain.log_nested_statements = on"
  $BENCH circulation-setup "$DB" den-haag 100000 100000 "$DATA" >/dev/null
  LOG_LEVEL=warning $BIEB serve --data "$DATA" --port $PORT >"$DATA/serve.log" 2>&1 &
  SERVER=$!
  wait_for_server
  TOKEN=$(curl -sf -X POST "$BASE/api/v1/auth/token" -H 'content-type: application/json' \
    -d '{"email": "medewerker@denhaag.bieb.demo", "password": "bieb-demo-2026"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
  sleep 10   # the server's start-up work (the search warm-up reads the whole catalogue once) is not the desk's
  FROM=$(wc -c <"$BIEB_PGDATA/server.log")
  BIEB_PART=1 BIEB_TOKEN="$TOKEN" BIEB_ITEMS="$DATA/items.txt" BIEB_CARDS="$DATA/cards.txt" \
    wrk -t2 -c$CONNECTIONS -d5s -s scripts/bench/circulation.lua "$BASE" | tail -1
  tail -c +$((FROM + 1)) "$BIEB_PGDATA/server.log" >"$DATA/plans.log"
  psql "$DB" -qc "ALTER DATABASE $DBNAME RESET session_preload_libraries" -c "ALTER DATABASE $DBNAME RESET auto_explain.log_min_duration" \
    -c "ALTER DATABASE $DBNAME RESET auto_explain.log_nested_statements"
  python3 scripts/explain-summary.py "$DATA/plans.log" loans,items,members,member_cards,titles,circulation_events
fi
