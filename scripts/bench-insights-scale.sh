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
exec "$(dirname "$0")/bench-scale.sh" insights-scale "${1:-0.1}" "${2:-20}" "${3:-both}"
