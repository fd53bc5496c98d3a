#!/usr/bin/env bash
# PostgreSQL restarted under load, through scripts/cluster.sh:
#
#   scripts/cluster.sh 3 -- scripts/cluster-pgrestart.sh [SECONDS]
#
# Desks lend and take back through the proxy (scripts/cluster-load.py); ten
# seconds in, PostgreSQL is restarted (`pg_ctl restart -m fast`: every
# connection cut, transactions in flight rolled back). Then: the app servers
# answered again by themselves within seconds, each said so in its log, and
# the database holds every loan a desk was told was made or ended, with
# nothing half-done.
set -euo pipefail
: "${BIEB_CLUSTER_DATA:?run me through scripts/cluster.sh}"
SECONDS_OF_LOAD=${1:-30}
WORK=$(mktemp -d /tmp/bieb-pgrestart.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
python3 "$(dirname "$0")/cluster-load.py" "$SECONDS_OF_LOAD" 8 >"$WORK/load.json" &
LOAD=$!
sleep 10
RESTARTED_AT=$(date +%s.%N)
$BIEB_PG_CTL -D "$BIEB_PGDATA" -m fast -w restart >/dev/null && echo "pgrestart: PostgreSQL restarted in $(python3 -c "import time; print(round(time.time() - $RESTARTED_AT, 1))") s, 10 s into the load"
wait $LOAD
echo "pgrestart: what the app servers logged:"
grep -h -E " (warning|error) " "$BIEB_CLUSTER_DATA"/s*.log | sed -E -e 's/^[^ ]+ //' -e 's/request-id=[^ ]+ //' -e 's/waiter=[0-9]+ //' \
  | cut -c1-200 | sort | uniq -c | sort -rn | head -8 || true
python3 "$(dirname "$0")/cluster-verify.py" "$WORK/load.json" "$RESTARTED_AT" pgrestart 10
