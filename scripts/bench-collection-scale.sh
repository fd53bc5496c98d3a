#!/usr/bin/env bash
# The collection plan at the national network's size on both databases, one
# after the other in the same run (release build): a demo database, then
# `bieb-bench collection-scale` generates COPIES copies (25,000,000: the
# Dutch network; Den Haag as a city library of 2 million, its central
# library 100,000) in 137 organisations with their loan counters, ages a
# national day out of the 12-month window, and times the segment report,
# a branch's weeding list, purchase suggestions and the balance plan
# against a primary-key lookup and a plain COUNT(*). SQLite in a temporary
# folder; PostgreSQL in a throw-away cluster (scripts/with-postgres.sh).
# 25 million copies need about 15 GB of disk for PostgreSQL.
#
#   scripts/bench-collection-scale.sh [COPIES] [ROUNDS] [sqlite|postgres|both]
set -euo pipefail
exec "$(dirname "$0")/bench-scale.sh" collection-scale "${1:-25000000}" "${2:-10}" "${3:-both}"
