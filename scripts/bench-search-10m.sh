#!/usr/bin/env bash
# First-time searches at ten million titles: builds bench-data/sqlite-10m once
# from the million-title benchmark database (scripts/bench-catalogue.sh) plus
# 9,000,000 more generated variants of the Library of Congress records
# (variants 4–39 of each; these have no copies), then runs
# scripts/bench-search-plain.sh on it: Bieb's search API against a plain FTS5
# search, side by side.
#
#   scripts/bench-search-10m.sh [ROUNDS]
#
# Building takes about 10 GB of disk for the generated records (deleted
# afterwards) and about 30 GB for the database; about half an hour here.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-1}
DATA=bench-data/sqlite-10m
if [ -z "${BIEB:-}" ]; then swift build -c release --product bieb >/dev/null; BIEB=.build/release/bieb; fi
if [ -z "${BENCH:-}" ]; then swift build -c release --product bieb-bench >/dev/null; BENCH=.build/release/bieb-bench; fi
export BIEB BENCH
if [ ! -s "$DATA/bieb.sqlite" ]; then
  [ -s bench-data/sqlite-1m/bieb.sqlite ] || { echo "build bench-data/sqlite-1m first: scripts/bench-catalogue.sh" >&2; exit 1; }
  echo "== building $DATA"
  rm -rf "$DATA.partial" && mkdir -p "$DATA.partial"
  cp bench-data/sqlite-1m/bieb.sqlite "$DATA.partial/bieb.sqlite"
  MARC="$DATA.partial/variants.mrc"
  "$BENCH" generate-marc bench-data/BooksAll.2016.part01.utf8 "$MARC" 36 4
  /usr/bin/time -f "   (wall %e s, max memory %M kB)" "$BIEB" import marc "$MARC" --org den-haag --items 0 --data "$DATA.partial" 2>&1 \
    | grep -aE "^Read |wall"
  rm -f "$MARC"
  mv "$DATA.partial" "$DATA"
fi
scripts/bench-search-plain.sh "$DATA" "$ROUNDS"
