#!/usr/bin/env bash
# An app server killed (-9) under load, through scripts/cluster.sh:
#
#   scripts/cluster.sh 3 -- scripts/cluster-kill.sh [SECONDS]
#
# Desks lend and take back through the proxy (scripts/cluster-load.py); ten
# seconds in, server 2 is killed with SIGKILL, without warning. Then, in the
# database: every loan a desk was told was made is there, every loan it was
# told ended is ended, no copy has two open loans, no copy's status or
# member's loan count disagrees with the loans (nothing half-done); and the
# desks carried on after the kill (answers after it, failures only around it).
set -euo pipefail
: "${BIEB_CLUSTER_DATA:?run me through scripts/cluster.sh}"
SECONDS_OF_LOAD=${1:-30}
WORK=$(mktemp -d /tmp/bieb-kill.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
python3 "$(dirname "$0")/cluster-load.py" "$SECONDS_OF_LOAD" 8 >"$WORK/load.json" &
LOAD=$!
sleep 10
KILLED_AT=$(date +%s.%N)
kill -KILL "$(cat "$BIEB_CLUSTER_DATA/s2.pid")" && echo "kill: server 2 killed (SIGKILL) 10 s into the load"
wait $LOAD
python3 "$(dirname "$0")/cluster-verify.py" "$WORK/load.json" "$KILLED_AT" kill 5
