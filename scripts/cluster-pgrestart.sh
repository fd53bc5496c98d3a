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
# nothing half-done. When a check fails, the servers' logs are kept in a
# folder under /tmp (named at the end).
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
if ! python3 "$(dirname "$0")/cluster-verify.py" "$WORK/load.json" "$RESTARTED_AT" pgrestart 10; then
  # The servers' logs outlive the cluster for a look afterwards (run with LOG_LEVEL=info or debug for each request).
  KEPT=$(mktemp -d /tmp/bieb-pgrestart-logs.XXXXXX)
  cp "$BIEB_CLUSTER_DATA"/s*.log "$WORK/load.json" "$KEPT"/ && echo "pgrestart: the servers' logs and the load's answers are kept in $KEPT"
  exit 1
fi
