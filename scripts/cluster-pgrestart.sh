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
python3 - "$WORK/load.json" "$RESTARTED_AT" <<'PY'
import json, os, subprocess, sys
result = json.load(open(sys.argv[1])); restarted = float(sys.argv[2])
def sql(query):
    return subprocess.run(["psql", os.environ["DATABASE_URL"], "-Atc", query], capture_output=True, text=True, check=True).stdout.strip()
ok = True
def check(name, good):
    global ok
    print(("ok    " if good else "FAIL  ") + name); ok = ok and good
after = [round(t - restarted, 1) for t in result["failed_at"]]
print("pgrestart: %d requests, statuses %s, %d failed (%s s after the restart began)" % (
    result["requests"], result["statuses"], result["failed"], sorted(set(after))[:10]))
for failure in result["failures"]:
    if failure["status"] == 0: print("  no answer: %s %.1f s after the restart (%s)" % (failure["path"], failure["at"] - restarted, failure["error"]))
lent, returned = result["lent"], result["returned"]
ids = lambda values: ",".join(str(v) for v in values) or "0"
check("every loan a desk was told was made is there (%d)" % len(lent), int(sql("SELECT COUNT(*) FROM loans WHERE id IN (%s)" % ids(lent))) == len(set(lent)))
check("every loan a desk was told ended is ended (%d)" % len(returned),
      int(sql("SELECT COUNT(*) FROM loans WHERE open = false AND id IN (%s)" % ids(returned))) == len(set(returned)))
check("no copy has two open loans", sql("SELECT COUNT(*) FROM (SELECT item_id FROM loans WHERE open GROUP BY item_id HAVING COUNT(*) > 1) d") == "0")
items = ",".join("'%s'" % i for i in result["items"])
check("each copy's status agrees with its loans", sql("""
    SELECT COUNT(*) FROM items i WHERE i.barcode IN (%s)
      AND (i.status = 'on_loan') <> EXISTS (SELECT 1 FROM loans l WHERE l.item_id = i.id AND l.open)""" % items) == "0")
check("never a 500 (an unreachable database is a 503)", "500" not in result["statuses"])
check("the app servers answered again after the restart", result["started"] + result["last_success"] > restarted + 5)
check("failures only within 10 s of the restart", all(-0.5 <= t <= 10 for t in after))
sys.exit(0 if ok else 1)
PY
