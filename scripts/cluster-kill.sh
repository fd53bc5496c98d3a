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
python3 - "$WORK/load.json" "$KILLED_AT" <<'PY'
import json, os, subprocess, sys
result = json.load(open(sys.argv[1]))
def sql(query):
    return subprocess.run(["psql", os.environ["DATABASE_URL"], "-Atc", query], capture_output=True, text=True, check=True).stdout.strip()
ok = True
def check(name, good):
    global ok
    print(("ok    " if good else "FAIL  ") + name); ok = ok and good
killed = float(sys.argv[2])
after = sorted(set(round(t - killed, 1) for t in result["failed_at"]))
print("kill: %d requests, statuses %s, %d failed (%s s after the kill), last answer %.1f s into the load; refused: %s" % (
    result["requests"], result["statuses"], result["failed"], after, result["last_success"], result["refused"]))
for key, text in result.get("refusal_examples", {}).items(): print("  refused (%s): %s" % (key, text))
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
cards = ",".join("'%s'" % c for c in result["cards"])
check("each member's loan count agrees with their loans", sql("""
    SELECT COUNT(*) FROM members m JOIN member_cards c ON c.member_id = m.id WHERE c.barcode IN (%s)
      AND m.loan_count <> (SELECT COUNT(*) FROM loans l WHERE l.member_id = m.id AND l.open)""" % cards) == "0")
check("the desks carried on after the kill", result["started"] + result["last_success"] > killed + 5)
check("failures only in the seconds after the kill (requests in flight on the killed server)", all(-0.5 <= t - killed <= 5 for t in result["failed_at"]))
sys.exit(0 if ok else 1)
PY
