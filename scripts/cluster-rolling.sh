#!/usr/bin/env bash
# A rolling restart under load, through scripts/cluster.sh:
#
#   scripts/cluster.sh 3 -- scripts/cluster-rolling.sh [SECONDS]
#
# Desks lend and take back through the proxy (scripts/cluster-load.py) while
# each app server in turn is drained in HAProxy (no new requests; those in
# flight finish), stopped with SIGTERM, started again and let back in once
# its health check answers. Fails when any request failed.
set -euo pipefail
: "${BIEB_CLUSTER_DATA:?run me through scripts/cluster.sh}"
SECONDS_OF_LOAD=${1:-60}
WORK=$(mktemp -d /tmp/bieb-rolling.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
haproxy() {
  python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall((sys.argv[2]+"\n").encode()); print(s.recv(65536).decode().strip())' \
    "$BIEB_CLUSTER_DATA/haproxy.sock" "$1"
}
SERVERS=$(ls "$BIEB_CLUSTER_DATA"/s*.pid | wc -l)
python3 "$(dirname "$0")/cluster-load.py" "$SECONDS_OF_LOAD" 8 >"$WORK/load.json" &
LOAD=$!
sleep 5
for i in $(seq 1 "$SERVERS"); do
  echo "rolling: server $i drained"; haproxy "set server bieb/s$i state drain" >/dev/null
  sleep 2
  "$BIEB_CLUSTER_DATA/server.sh" "$i" stop && echo "rolling: server $i stopped"
  "$BIEB_CLUSTER_DATA/server.sh" "$i" start && echo "rolling: server $i started"
  haproxy "set server bieb/s$i state ready" >/dev/null; echo "rolling: server $i back in"
  sleep 3
done
wait $LOAD
python3 - "$WORK/load.json" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
print("rolling: %d requests under load, statuses %s, failed %d; refused by the rules: %s" % (
    result["requests"], result["statuses"], result["failed"], result["refused"] or "none"))
for failure in result["failures"]: print("  failed:", failure)
sys.exit(1 if result["failed"] else 0)
PY
