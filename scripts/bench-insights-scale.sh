#!/usr/bin/env bash
# The statistics at a share of national scale on both databases, one after
# the other in the same run (release build): a demo database, then
# `bieb-bench insights-scale` writes five years of loan and renewal facts
# (FACTOR 0.1: 10 % of the Dutch network's 54 million loans a year; Den
# Haag as a city library of 2 million loans a year), rebuilds every
# organisation's roll-ups and times Den Haag's dashboard and annual report
# reads against a primary-key lookup. SQLite in a temporary folder;
# PostgreSQL in a throw-away cluster (scripts/with-postgres.sh). FACTOR 0.1
# needs about 10 GB of disk for SQLite and as much for PostgreSQL.
#
#   scripts/bench-insights-scale.sh [FACTOR] [ROUNDS] [sqlite|postgres|both]
set -euo pipefail
cd "$(dirname "$0")/.."
FACTOR=${1:-0.1}
ROUNDS=${2:-20}
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
  echo "== SQLite (factor $FACTOR)"
  "$BIEB_BENCH" insights-scale "$DATA/demo.sqlite" "$FACTOR" "$ROUNDS"
  rm -rf "$DATA"
fi
if [ "$WHICH" != sqlite ]; then
  BIEB="$BIEB" BIEB_BENCH="$BIEB_BENCH" FACTOR="$FACTOR" ROUNDS="$ROUNDS" PORT=$PORT scripts/with-postgres.sh bash -c '
    set -euo pipefail
    data=$(mktemp -d /tmp/bieb-scale-demo.XXXXXX)
    LOG_LEVEL=warning "$BIEB" demo --data "$data" --database "$BIEB_TEST_POSTGRES_URL" --port $PORT --sip2-port 0 >"$data/server.log" 2>&1 &
    server=$!
    for _ in $(seq 1 900); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
    kill $server; wait $server 2>/dev/null || true
    rm -rf "$data"
    echo "== PostgreSQL (factor $FACTOR)"
    "$BIEB_BENCH" insights-scale "$BIEB_TEST_POSTGRES_URL" "$FACTOR" "$ROUNDS"'
fi
