#!/usr/bin/env bash
# Network planning for the whole country on both databases, one after the
# other in the same run (release build): `bieb-bench planning-scale`
# generates the Netherlands as one organisation — 13,000 neighbourhoods,
# 1,270 library locations, 4,000 postcode areas, 3.6 million members and a
# year of loans and active members per postcode area — into a fresh
# database, then times coverage, the area profiles and a scenario's outcome
# beside two plain baselines (reading the areas; counting the members).
# SQLite in a temporary folder; PostgreSQL in a throw-away cluster
# (scripts/with-postgres.sh). About 3 GB of disk each.
#
#   scripts/bench-planning-scale.sh [ROUNDS] [sqlite|postgres|both]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
WHICH=${2:-both}
if [ -z "${BIEB_BENCH:-}" ]; then swift build -c release --product bieb-bench >/dev/null; BIEB_BENCH=.build/release/bieb-bench; fi
export BIEB_BENCH ROUNDS
if [ "$WHICH" != postgres ]; then
  DATA=$(mktemp -d /tmp/bieb-planning.XXXXXX)
  trap 'rm -rf "$DATA"' EXIT
  echo "== SQLite"
  "$BIEB_BENCH" planning-scale "$DATA/planning.sqlite" "$ROUNDS"
  rm -rf "$DATA"
fi
if [ "$WHICH" != sqlite ]; then
  scripts/with-postgres.sh bash -c 'echo "== PostgreSQL"; "$BIEB_BENCH" planning-scale "$BIEB_TEST_POSTGRES_URL" "$ROUNDS"'
fi
