#!/usr/bin/env bash
# The SIP2 benchmark of docs/PERFORMANCE.md: 50 kiosks log in once, then
# each lends a copy of its branch (11) and takes it back (09), again and
# again, against the circulation benchmark's database (1,250,000 copies,
# 100,000 members; see scripts/bench-circulation.sh, which builds it).
#
#   scripts/bench-sip2.sh [seconds] [rate]      embedded SQLite (bench-data/sqlite-circ)
#
# Two runs after a warm-up: kiosks at a steady total RATE transactions a
# second (default 1,000; the round trip counts from when a message was
# due, so a slow answer also delays what follows, as at a real kiosk),
# then as fast as the server answers. The kiosks log in first; the loops
# start when all have. BENCH_TIMELINE=1 adds p99 and max per second.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-30}
RATE=${2:-1000}
PORT=8191
SIP2_PORT=6191
TERMINALS=50
DATA=bench-data/sqlite-circ

if [ ! -s "$DATA/bieb.sqlite" ] || [ ! -s "$DATA/items.txt" ]; then
  echo "== no circulation benchmark database yet: building it with scripts/bench-circulation.sh"
  scripts/bench-circulation.sh 5
fi
# BIEB and BENCH may name other builds (to compare two side by side); by default, the release build here.
if [ -z "${BIEB:-}" ]; then swift build -c release --product bieb >/dev/null; BIEB=.build/release/bieb; fi
if [ -z "${BENCH:-}" ]; then swift build -c release --product bieb-bench >/dev/null; BENCH=.build/release/bieb-bench; fi
$BIEB migrate --data "$DATA" >/dev/null
# A fresh choice of copies on the shelf (the desk benchmark leaves some on loan), and the kiosk accounts.
$BENCH circulation-setup "$DATA/bieb.sqlite" den-haag 100000 100000 "$DATA" | tail -1
$BENCH sip2-setup "$DATA/bieb.sqlite" den-haag

LOG_LEVEL=warning $BIEB serve --data "$DATA" --port $PORT --sip2-port $SIP2_PORT >"$DATA/serve-sip2.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.5; done

echo "== SQLite, release build, $(nproc) cores; $TERMINALS kiosks, ${DURATION}s"
echo "-- warming up (10 s, as fast as answers come)"
$BENCH sip2 $SIP2_PORT "$DATA/items.txt" "$DATA/cards.txt" $TERMINALS 10 | head -1
echo "-- at $RATE transactions a second (checkouts and returns together)"
$BENCH sip2 $SIP2_PORT "$DATA/items.txt" "$DATA/cards.txt" $TERMINALS "$DURATION" "$RATE"
echo "-- as fast as answers come"
$BENCH sip2 $SIP2_PORT "$DATA/items.txt" "$DATA/cards.txt" $TERMINALS "$DURATION"
