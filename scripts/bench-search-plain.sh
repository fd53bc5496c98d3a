#!/usr/bin/env bash
# First-time searches: Bieb's search API against a plain FTS5 search, side by
# side in one run on one database. The plain side (`bieb-bench plain-search`)
# asks the same FTS5 table the plain way — the first 20 hits by bm25, the
# number of hits, two facets by GROUP BY — over the same HTTP stack; Bieb
# answers with works, seven facets and availability. Each round starts the
# server afresh (so every query is new to it; Bieb first loads its search
# columns), then wrk at 8 connections asks every query once:
#
#   words   the 250 common words of scripts/bench/first-time-searches.py alone
#           (the broad ones match 10,000–200,000 titles in a million)
#   mixed   the 4,000 queries of that script (words, pairs, some filters)
#
# Sides take turns (plain, Bieb, Bieb, plain, ...); the median of each side's
# rounds is printed with Bieb ÷ plain.
#
#   scripts/bench-search-plain.sh [DATA-DIR] [ROUNDS]
#
# DATA-DIR defaults to bench-data/sqlite-1m (built by scripts/bench-catalogue.sh).
# BIEB and BENCH may name other builds; by default the release builds here.
# Needs wrk and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench/ask-each-once.sh
DATA=${1:-bench-data/sqlite-1m}
ROUNDS=${2:-3}
PORT=8191
command -v wrk >/dev/null || { echo "install wrk first (apt-get install wrk)" >&2; exit 1; }
[ -s "$DATA/bieb.sqlite" ] || { echo "build $DATA first: scripts/bench-catalogue.sh" >&2; exit 1; }
if [ -z "${BIEB:-}" ]; then swift build -c release --product bieb >/dev/null; BIEB=.build/release/bieb; fi
if [ -z "${BENCH:-}" ]; then swift build -c release --product bieb-bench >/dev/null; BENCH=.build/release/bieb-bench; fi
MIXED=$(mktemp) WORDS=$(mktemp) RESULTS=$(mktemp) MARKS=$(mktemp -d)
SERVER=""
trap 'if [ -n "$SERVER" ]; then kill $SERVER 2>/dev/null || true; fi; rm -rf "$MIXED" "$WORDS" "$RESULTS" "$MARKS"' EXIT
API="http://127.0.0.1:$PORT/api/v1/organisations/den-haag"
python3 scripts/bench/first-time-searches.py "$API" >"$MIXED"
python3 scripts/bench/first-time-searches.py "$API" --words >"$WORDS"

start() {   # side
  if [ "$1" = plain ]; then
    "$BENCH" plain-search "$DATA/bieb.sqlite" $PORT >/dev/null 2>&1 &
  else
    LOG_LEVEL=warning "$BIEB" serve --data "$DATA" --port $PORT >/dev/null 2>&1 &
  fi
  SERVER=$!
  wait_for_search $PORT
}

stop() { kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=""; }

measure() {   # side set file
  echo "$1 $2 $(ask_each_once $PORT "$3" "$MARKS")" | tee -a "$RESULTS"
}

round() {   # side
  start "$1"
  measure "$1" words "$WORDS"
  stop
  start "$1"
  measure "$1" mixed "$MIXED"
  stop
}

echo "== first-time searches, Bieb and a plain FTS5 search; $(wc -l <"$WORDS") words, $(wc -l <"$MIXED") mixed queries; $ROUNDS rounds; $(nproc) cores"
echo "   database: $DATA ($(du -sh "$DATA/bieb.sqlite" | cut -f1))"
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then round plain; round bieb; else round bieb; round plain; fi
done
python3 - "$RESULTS" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    side, kind = line.split()[:2]
    m = re.search(r"\((\d+)/s\).*p50 ([\d.]+) ms.*p95 ([\d.]+) ms.*p99 ([\d.]+) ms", line)
    if m: rows.setdefault((side, kind), []).append(tuple(float(x) for x in m.groups()))
for kind in ["words", "mixed"]:
    plain = [statistics.median(c) for c in zip(*rows[("plain", kind)])]
    bieb = [statistics.median(c) for c in zip(*rows[("bieb", kind)])]
    print(f"-- {kind} (medians of {len(rows[('bieb', kind)])} rounds)")
    for i, name in enumerate(["req/s", "p50 ms", "p95 ms", "p99 ms"]):
        print(f"   {name:7} plain {plain[i]:8.1f}   Bieb {bieb[i]:8.1f}   Bieb÷plain {bieb[i] / plain[i]:.2f}")
PY
