#!/usr/bin/env bash
# The catalogue benchmark of docs/PERFORMANCE.md: a million titles (the
# 250,000 real Library of Congress records of pymarc 5.4.0 plus 750,000
# generated variants of them) with two copies each, a fifth of them on loan,
# in the Den Haag demo network; then search and record requests through the
# HTTP API with wrk at 8 connections.
#
#   scripts/bench-catalogue.sh [seconds]                 embedded SQLite, database in bench-data/sqlite-1m
#   scripts/with-postgres.sh scripts/bench-catalogue.sh [seconds]   PostgreSQL (throw-away cluster)
#   BIEB_BENCH_REUSE=1 …                                 PostgreSQL: keep the catalogue the cluster already holds
#
# The database is built once (about 3 minutes on SQLite) and reused; delete
# bench-data/sqlite-1m to build it again. Needs wrk and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-30}
PATHS="" RECORDS="" COLD=""
PORT=8188
CONNECTIONS=8

command -v wrk >/dev/null || { echo "install wrk first (apt-get install wrk)" >&2; exit 1; }
# BIEB and BENCH may name other builds (to compare two side by side); by default, the release build here.
if [ -z "${BIEB:-}" ]; then swift build -c release --product bieb >/dev/null; BIEB=.build/release/bieb; fi
if [ -z "${BENCH:-}" ]; then swift build -c release --product bieb-bench >/dev/null; BENCH=.build/release/bieb-bench; fi
scripts/fetch-marc-data.sh >/dev/null
REAL=bench-data/BooksAll.2016.part01.utf8
SYNTHETIC=bench-data/synthetic-750k.mrc
[ -s "$SYNTHETIC" ] || $BENCH generate-marc "$REAL" "$SYNTHETIC" 3

if [ -n "${BIEB_TEST_POSTGRES_URL:-}" ]; then
  export DATABASE_URL="$BIEB_TEST_POSTGRES_URL"
  ENGINE=PostgreSQL
  DATA=$(mktemp -d /tmp/bieb-bench-pg.XXXXXX)
  DB="$DATABASE_URL"
  FRESH=1
  # BIEB_BENCH_REUSE=1: the cluster already holds the catalogue of an earlier run (scripts/bench-pg-buffers.sh).
  if [ -n "${BIEB_BENCH_REUSE:-}" ] && [ "$(psql "$DB" -tAc "SELECT count(*) > 0 FROM titles" 2>/dev/null)" = t ]; then FRESH=0; fi
else
  ENGINE=SQLite
  DATA=bench-data/sqlite-1m
  DB="$DATA/bieb.sqlite"
  FRESH=0
  [ -s "$DB" ] || FRESH=1
fi

wait_for_server() {
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && return 0; sleep 0.5; done
  echo "the server did not start" >&2; exit 1
}

if [ "$FRESH" = 1 ]; then
  echo "== building the benchmark catalogue ($ENGINE)"
  rm -rf "$DATA" && mkdir -p "$DATA"
  # The demo network (branches, a small Dutch catalogue), then the big files.
  LOG_LEVEL=warning $BIEB demo --data "$DATA" --port $PORT >"$DATA/demo.log" 2>&1 &
  DEMO=$!
  wait_for_server
  kill $DEMO; wait $DEMO 2>/dev/null || true
  [ "$ENGINE" = SQLite ] && mv "$DATA/demo.sqlite" "$DB" && rm -f "$DATA"/demo.sqlite-*
  /usr/bin/time -f "   (wall %e s, max memory %M kB)" $BIEB import marc "$REAL" --org den-haag --items 2 --data "$DATA" 2>&1 | grep -aE "^Read |wall"
  /usr/bin/time -f "   (wall %e s, max memory %M kB)" $BIEB import marc "$SYNTHETIC" --org den-haag --items 2 --data "$DATA" 2>&1 | grep -aE "^Read |wall"
  # A fifth of the copies on loan (due in the next three weeks), one in a hundred in transit.
  NOW=$(date +%s)
  DUE="$NOW + (id % 21) * 86400"
  [ "$ENGINE" = PostgreSQL ] && DUE="to_timestamp($DUE)"
  $BENCH sql "$DB" "UPDATE items SET status = 'on_loan', due_at = $DUE WHERE id % 5 = 0" 1 >/dev/null
  $BENCH sql "$DB" "UPDATE items SET status = 'in_transit' WHERE id % 97 = 1" 1 >/dev/null
  $BENCH sql "$DB" "UPDATE catalogue_versions SET version = version + 1, titles_version = titles_version + 1" 1 >/dev/null
fi

LOG_LEVEL=warning $BIEB serve --data "$DATA" --port $PORT >"$DATA/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -f "$PATHS" "$RECORDS" "$COLD"; if [ "$ENGINE" = PostgreSQL ]; then rm -rf "$DATA"; fi' EXIT
wait_for_server
BASE="http://127.0.0.1:$PORT"
API="/api/v1/organisations/den-haag"

# The search mix: broad words (tens to hundreds of thousands of hits), middling and narrow ones, each
# plain and with filters, another order or the next page. Facets and availability are always on.
PATHS=$(mktemp); RECORDS=$(mktemp); COLD=$(mktemp)
python3 - "$BASE$API" >"$PATHS" <<'EOF'
import json, sys, urllib.parse, urllib.request
api = sys.argv[1]
branches = [b["slug"] for b in json.load(urllib.request.urlopen(api + "/branches"))]
queries = ["history", "the", "de", "united states", "war", "art", "music", "law", "science", "social conditions",
           "poetry", "children", "england", "american", "world", "life", "water", "railroads", "library", "garden",
           "fietsen", "avonden", "max havelaar", "dolfje", "author:reve", "title:water", "bibliotheek", "economic policy",
           "\"civil war\"", "geschiedenis"]
variants = ["", "&format=book&available=true", "&branch=%s&available=true", "&language=eng", "&sort=newest",
            "&sort=title", "&page=2"]
base = urllib.parse.urlparse(api).path
for n, q in enumerate(queries):
    for m, v in enumerate(variants):
        if "%s" in v: v = v % branches[(n + m) % len(branches)]
        print(f"{base}/search?q={urllib.parse.quote(q)}{v}")
EOF
# First-time searches: 4,000 queries, 250 common words alone (many match tens of thousands of
# titles) and pairs of them, each asked once; none is in the mix above, so every request ranks its
# hits in the database.
python3 scripts/bench/first-time-searches.py "$BASE$API" >"$COLD"
python3 scripts/bench/record-paths.py "$BASE$API" >"$RECORDS"

echo "== $ENGINE, release build, $(nproc) cores; wrk ${DURATION}s, $CONNECTIONS connections, 2 threads"
echo "-- warming up: every search once (the first time a query is seen its hits come from the database)"
START=$(date +%s%N)
while read -r path; do curl -sf -o /dev/null "$BASE$path"; done <"$PATHS"
echo "   $(wc -l <"$PATHS") searches in $(( ($(date +%s%N) - START) / 1000000 )) ms"
echo "-- search with facets and availability, first page ($(wc -l <"$PATHS") different requests)"
BIEB_PATHS="$PATHS" wrk -t2 -c$CONNECTIONS -d"${DURATION}s" -s scripts/bench/catalogue.lua "$BASE" | tail -1
echo "-- one broad word alone: q=history"
echo "$API/search?q=history" >"$PATHS.one"
BIEB_PATHS="$PATHS.one" wrk -t2 -c$CONNECTIONS -d"${DURATION}s" -s scripts/bench/catalogue.lua "$BASE" | tail -1
rm -f "$PATHS.one"
echo "-- record (title JSON with copies per branch), $(wc -l <"$RECORDS") different titles"
BIEB_PATHS="$RECORDS" wrk -t2 -c$CONNECTIONS -d"${DURATION}s" -s scripts/bench/catalogue.lua "$BASE" | tail -1
echo "-- first-time searches: $(wc -l <"$COLD") different queries (one or two words, some with a filter), each once"
BIEB_SPLIT=1 BIEB_PATHS="$COLD" wrk -t2 -c$CONNECTIONS -d120s -s scripts/bench/catalogue.lua "$BASE" | tail -1
echo "-- cold searches through CatalogSearch (no cache), bieb-bench search"
kill $SERVER; wait $SERVER 2>/dev/null || true
$BENCH search "$DB" den-haag history "united states" water fietsen
