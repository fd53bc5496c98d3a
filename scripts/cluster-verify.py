#!/usr/bin/env python3
"""What must hold after a fault under desk load (scripts/cluster-kill.sh,
scripts/cluster-pgrestart.sh): reads the load's summary (scripts/cluster-load.py)
and the database, and fails when any of it does not hold.

    scripts/cluster-verify.py LOAD_JSON EVENT_EPOCH EVENT_NAME WINDOW_SECONDS
"""
import json, os, subprocess, sys

result = json.load(open(sys.argv[1]))
event, name, window = float(sys.argv[2]), sys.argv[3], float(sys.argv[4])

def sql(query):
    return subprocess.run(["psql", os.environ["DATABASE_URL"], "-Atc", query], capture_output=True, text=True, check=True).stdout.strip()

ok = True
def check(label, good):
    global ok
    print(("ok    " if good else "FAIL  ") + label)
    ok = ok and good

after = sorted(set(round(t - event, 1) for t in result["failed_at"]))
print("%s: %d requests, statuses %s, %d failed (%s s after it); refused by the rules: %s" % (
    name, result["requests"], result["statuses"], result["failed"], after[:12], result["refused"] or "none"))
for failure in result["failures"]:
    if failure["status"] == 0:
        print("  no answer: %s %.1f s after it (%s)" % (failure["path"], failure["at"] - event, failure["error"]))
lent, returned = result["lent"], result["returned"]
ids = lambda values: ",".join(str(v) for v in values) or "0"
check("every loan a desk was told was made is there (%d)" % len(lent),
      int(sql("SELECT COUNT(*) FROM loans WHERE id IN (%s)" % ids(lent))) == len(set(lent)))
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
check("never a 500 from an app server (a database out of reach is a 503)", "500" not in result["statuses"])
check("the desks carried on after it", result["started"] + result["last_success"] > event + 5)
check("failures only within %g s of it" % window, all(-0.5 <= t - event <= window for t in result["failed_at"]))
sys.exit(0 if ok else 1)
