#!/usr/bin/env bash
# HTTP benchmark of the demo server (release build, embedded SQLite) with wrk.
#
#   scripts/bench-http.sh [seconds] [connections]
#
# Builds `bieb` in release mode, starts the demo on a temporary data folder
# and port 8181, and loads the pages and API calls people use most.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNECTIONS=${2:-32}
PORT=8181

command -v wrk >/dev/null || { echo "install wrk first (apt-get install wrk)" >&2; exit 1; }
swift build -c release --product bieb >/dev/null
DATA=$(mktemp -d /tmp/bieb-bench.XXXXXX)
LOG_LEVEL=warning .build/release/bieb demo --data "$DATA" --port $PORT >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done

BRANCH=$(curl -sf "http://127.0.0.1:$PORT/api/v1/organisations/den-haag/branches" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
echo "bieb demo, release build, SQLite; wrk ${DURATION}s, ${CONNECTIONS} connections, 2 threads; $(nproc) cores"
for path in \
  "/health" \
  "/api/v1/branches/$BRANCH/status" \
  "/api/v1/organisations/den-haag/branches" \
  "/den-haag" \
  "/den-haag/centrale-bibliotheek"; do
  echo "== GET $path"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$path" | grep -E "Requests/sec|Latency|50%|99%|Non-2xx"
done
