#!/usr/bin/env bash
# A scale benchmark of bieb-bench on both databases, one after the other in
# the same run (release build): a demo database is made (the demo started
# until it answers, then stopped), then `bieb-bench CASE DB SIZE ROUNDS`
# generates and measures. SQLite in a temporary folder; PostgreSQL in a
# throw-away cluster (scripts/with-postgres.sh). Used by
# scripts/bench-insights-scale.sh and scripts/bench-collection-scale.sh.
#
#   scripts/bench-scale.sh insights-scale|collection-scale SIZE ROUNDS [sqlite|postgres|both]
set -euo pipefail
cd "$(dirname "$0")/.."
CASE=$1
SIZE=$2
ROUNDS=$3
WHICH=${4:-both}
if [ -z "${BIEB:-}" ]; then swift build -c release --product bieb >/dev/null; BIEB=.build/release/bieb; fi
if [ -z "${BIEB_BENCH:-}" ]; then swift build -c release --product bieb-bench >/dev/null; BIEB_BENCH=.build/release/bieb-bench; fi
export BIEB BIEB_BENCH CASE SIZE ROUNDS PORT=8187

# A demo database in DATA (DATABASE: empty for DATA/demo.sqlite, or a URL).
demo() {
  LOG_LEVEL=warning "$BIEB" demo --data "$1" ${2:+--database "$2"} --port $PORT --sip2-port 0 >"$1/server.log" 2>&1 &
  local server=$!
  for _ in $(seq 1 900); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
  kill $server; wait $server 2>/dev/null || true
}
export -f demo

if [ "$WHICH" != postgres ]; then
  DATA=$(mktemp -d /tmp/bieb-scale-demo.XXXXXX)
  trap 'rm -rf "$DATA"' EXIT
  demo "$DATA" ""
  echo "== SQLite ($CASE $SIZE)"
  "$BIEB_BENCH" "$CASE" "$DATA/demo.sqlite" "$SIZE" "$ROUNDS"
  rm -rf "$DATA"
fi
if [ "$WHICH" != sqlite ]; then
  scripts/with-postgres.sh bash -c '
    set -euo pipefail
    data=$(mktemp -d /tmp/bieb-scale-demo.XXXXXX)
    demo "$data" "$BIEB_TEST_POSTGRES_URL"
    rm -rf "$data"
    echo "== PostgreSQL ($CASE $SIZE)"
    "$BIEB_BENCH" "$CASE" "$BIEB_TEST_POSTGRES_URL" "$SIZE" "$ROUNDS"'
fi
