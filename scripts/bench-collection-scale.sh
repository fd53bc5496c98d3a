#!/usr/bin/env bash
# The collection plan at the national network's size on both databases, one
# after the other in the same run (release build): a demo database, then
# `bieb-bench collection-scale` generates COPIES copies (25,000,000: the
# Dutch network; Den Haag as a city library of 2 million, its central
# library 100,000) in 137 organisations with their loan counters, ages a
# national day out of the 12-month window, and times the segment report,
# a branch's weeding list, purchase suggestions and the balance plan
# against a primary-key lookup and a plain COUNT(*). SQLite in a temporary
# folder; PostgreSQL in a throw-away cluster (scripts/with-postgres.sh).
# 25 million copies need about 15 GB of disk for PostgreSQL.
#
#   scripts/bench-collection-scale.sh [COPIES] [ROUNDS] [sqlite|postgres|both]
set -euo pipefail
cd "$(dirname "$0")/.."
COPIES=${1:-25000000}
ROUNDS=${2:-10}
WHICH=${3:-both}
if [ -z "${BIEB:-}" ]; then swift build -c release --product bieb >/dev/null; BIEB=.build/release/bieb; fi
if [ -z "${BIEB_BENCH:-}" ]; then swift build -c release --product bieb-bench >/dev/null; BIEB_BENCH=.build/release/bieb-bench; fi
PORT=8187

# A demo database: the demo started until it answers, then stopped (DATABASE: a file or a URL).
demo() {
  local data; data=$(mktemp -d /tmp/bieb-scale-demo.XXXXXX)
  LOG_LEVEL=warning "$BIEB" demo --data "$data" ${1:+--database "$1"} --port $PORT --sip2-port 0 >"$data/server.log" 2>&1 &
  local server=$!
  for _ in $(seq 1 900); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
  kill $server; wait $server 2>/dev/null || true
  echo "$data"
}

if [ "$WHICH" != postgres ]; then
  DATA=$(demo "")
  trap 'rm -rf "$DATA"' EXIT
  echo "== SQLite ($COPIES copies)"
  "$BIEB_BENCH" collection-scale "$DATA/demo.sqlite" "$COPIES" "$ROUNDS"
  rm -rf "$DATA"
fi
if [ "$WHICH" != sqlite ]; then
  BIEB="$BIEB" BIEB_BENCH="$BIEB_BENCH" COPIES="$COPIES" ROUNDS="$ROUNDS" PORT=$PORT scripts/with-postgres.sh bash -c '
    set -euo pipefail
    data=$(mktemp -d /tmp/bieb-scale-demo.XXXXXX)
    LOG_LEVEL=warning "$BIEB" demo --data "$data" --database "$BIEB_TEST_POSTGRES_URL" --port $PORT --sip2-port 0 >"$data/server.log" 2>&1 &
    server=$!
    for _ in $(seq 1 900); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
    kill $server; wait $server 2>/dev/null || true
    rm -rf "$data"
    echo "== PostgreSQL ($COPIES copies)"
    "$BIEB_BENCH" collection-scale "$BIEB_TEST_POSTGRES_URL" "$COPIES" "$ROUNDS"'
fi
