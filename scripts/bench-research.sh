#!/usr/bin/env bash
# Customer research at national scale on both databases, one after the other in
# the same run (release build): `bieb-bench research` generates 60,000 members
# over 20 branches, all in the panel, into a fresh database, then times a
# panel wave of 50,000 drawn by quota and queued (beside inserting as many
# plain rows in the same batches), the results of a wave of 20,000 answers
# (beside grouping the values by question), and answers at a branch link
# through the whole server paced at 200 a second (beside the health check
# paced the same way). SQLite in a temporary folder; PostgreSQL in a
# throw-away cluster (scripts/with-postgres.sh).
#
#   scripts/bench-research.sh [ROUNDS] [sqlite|postgres|both]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
WHICH=${2:-both}
if [ -z "${BIEB_BENCH:-}" ]; then swift build -c release --product bieb-bench >/dev/null; BIEB_BENCH=.build/release/bieb-bench; fi
export BIEB_BENCH ROUNDS LOG_LEVEL=warning
if [ "$WHICH" != postgres ]; then
  DATA=$(mktemp -d /tmp/bieb-research.XXXXXX)
  trap 'rm -rf "$DATA"' EXIT
  echo "== SQLite"
  "$BIEB_BENCH" research "$DATA/research.sqlite" "$ROUNDS"
  rm -rf "$DATA"
fi
if [ "$WHICH" != sqlite ]; then
  scripts/with-postgres.sh bash -c 'echo "== PostgreSQL"; "$BIEB_BENCH" research "$BIEB_TEST_POSTGRES_URL" "$ROUNDS"'
fi
