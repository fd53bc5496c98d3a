#!/usr/bin/env bash
# First-time catalogue searches for two builds side by side, on one
# million-title database (bench-data/sqlite-1m, built by
# scripts/bench-catalogue.sh): each round starts the build's server afresh (so
# every query is new to it), lets it load its search columns, then asks the
# 4,000 queries of scripts/bench/first-time-searches.py once each with wrk at 8
# connections. Builds take turns (A, B, B, A, A, B, ...) so neither always runs
# right after the other; the median of each build's rounds is compared.
#
#   scripts/bench-search-compare.sh A B [rounds]
#
# Needs wrk and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench/ask-each-once.sh
A=${1:?"the first bieb binary"}
B=${2:?"the second bieb binary"}
ROUNDS=${3:-3}
PORT=8189
DATA=bench-data/sqlite-1m
command -v wrk >/dev/null || { echo "install wrk first (apt-get install wrk)" >&2; exit 1; }
[ -s "$DATA/bieb.sqlite" ] || { echo "build $DATA first: scripts/bench-catalogue.sh" >&2; exit 1; }
COLD=$(mktemp) RESULTS=$(mktemp) MARKS=$(mktemp -d)
SERVER=""
trap 'if [ -n "$SERVER" ]; then kill $SERVER 2>/dev/null || true; fi; rm -rf "$COLD" "$RESULTS" "$MARKS"' EXIT
python3 scripts/bench/first-time-searches.py "http://127.0.0.1:$PORT/api/v1/organisations/den-haag" >"$COLD"

round() {   # name, binary
  LOG_LEVEL=warning "$2" serve --data "$DATA" --port $PORT >/dev/null 2>&1 &
  SERVER=$!
  wait_for_search $PORT
  local line
  line=$(ask_each_once $PORT "$COLD" "$MARKS")
  kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=""
  echo "$1 $line" | tee -a "$RESULTS"
}

echo "== first-time searches, $(wc -l <"$COLD") queries each once; $ROUNDS rounds; $(nproc) cores"
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then round A "$A"; round B "$B"; else round B "$B"; round A "$A"; fi
done
python3 - "$RESULTS" <<'PY'
import re, statistics, sys
rows = {"A": [], "B": []}
for line in open(sys.argv[1]):
    m = re.search(r"\((\d+)/s\).*p50 ([\d.]+) ms.*p95 ([\d.]+) ms.*p99 ([\d.]+) ms", line)
    if m: rows[line[0]].append(tuple(float(x) for x in m.groups()))
med = {k: [statistics.median(c) for c in zip(*v)] for k, v in rows.items()}
for i, name in enumerate(["req/s", "p50 ms", "p95 ms", "p99 ms"]):
    print(f"{name:8} A {med['A'][i]:8.1f}   B {med['B'][i]:8.1f}   B÷A {med['B'][i] / med['A'][i]:.2f}")
PY
