#!/usr/bin/env python3
"""Desk load through the proxy of scripts/cluster.sh: THREADS desks, each with a
member card and a copy of its own, lend and take back for SECONDS, and read the
organisations between; every answer's status is counted. A failure is a
connection error or a 5xx (a desk would see an error); the JSON summary goes
to standard output.

    scripts/cluster-load.py SECONDS THREADS
"""
import json, os, subprocess, sys, threading, time, urllib.request, urllib.error

base = os.environ["BIEB_CLUSTER_URL"]
seconds, threads = float(sys.argv[1]), int(sys.argv[2])

def call(method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers={"content-type": "application/json"})
    if token: request.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")[:300]
    except Exception as error:
        return 0, str(error)

status, body = call("POST", "/api/v1/auth/token", body={"email": "medewerker@denhaag.bieb.demo", "password": "bieb-demo-2026"})
token = body["token"]
items = subprocess.run(["psql", os.environ["DATABASE_URL"], "-Atc",
    "SELECT i.barcode FROM items i JOIN branches b ON b.id = i.current_branch_id WHERE b.slug = 'centrale-bibliotheek' "
    "AND i.status = 'available' AND i.hold_id IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.title_id = i.title_id AND h.status IN ('waiting', 'allocated', 'in_transit', 'ready')) "
    "ORDER BY i.barcode LIMIT %d" % threads], capture_output=True, text=True, check=True).stdout.split()
# Adult members the rules let borrow: not blocked, nothing owed, nothing out, a card in use.
cards = subprocess.run(["psql", os.environ["DATABASE_URL"], "-Atc",
    "SELECT c.barcode FROM member_cards c JOIN members m ON m.id = c.member_id WHERE c.status = 'active' AND m.balance_cents = 0 AND m.block_reason IS NULL "
    "AND m.birth_date < '2000-01-01' AND m.membership_end > CAST(CURRENT_DATE AS TEXT) "
    "AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.member_id = m.id AND l.open) ORDER BY c.barcode LIMIT %d" % threads],
    capture_output=True, text=True, check=True).stdout.split()
counts, failures, lock = {}, [], threading.Lock()
# Confirmed by the server: loans made (checkout answered 200) and ended (checkin answered 200 with the loan), with when.
confirmed = {"lent": [], "returned": []}
started = time.time()
last_success = [0.0]
refusals, examples = {}, {}
deadline = time.time() + seconds

def desk(card, item):
    while time.time() < deadline:
        for method, path, body in [("POST", "/api/v1/circulation/checkout", {"card": card, "item": item, "branch": "centrale-bibliotheek"}),
                                   ("GET", "/api/v1/organisations", None),
                                   ("POST", "/api/v1/circulation/checkin", {"item": item, "branch": "centrale-bibliotheek"})]:
            status, answer = call(method, path, token, body)
            with lock:
                if status == 200 and path.endswith("checkout"): confirmed["lent"].append(answer["loan_id"])
                if status == 200 and path.endswith("checkin") and answer.get("loan_id"): confirmed["returned"].append(answer["loan_id"])
                counts[status] = counts.get(status, 0) + 1
                if status == 0 or status >= 500: failures.append({"at": round(time.time(), 2), "path": path, "status": status, "error": answer})
                refusals[(path, status)] = refusals.get((path, status), 0) + (1 if 400 <= status < 500 else 0)
                if 400 <= status < 500 and (path, status) not in examples: examples[(path, status)] = answer
                if status == 200: last_success[0] = max(last_success[0], time.time() - started)

workers = [threading.Thread(target=desk, args=(card, item)) for card, item in zip(cards, items)]
for worker in workers: worker.start()
for worker in workers: worker.join()
print(json.dumps({"requests": sum(counts.values()), "statuses": {str(k): v for k, v in sorted(counts.items())}, "failures": failures[:20] + [f for f in failures[20:] if f["status"] == 0],
                  "failed": len(failures), "failed_at": [f["at"] for f in failures], "started": started,
                  "refused": {"%s %d" % key: n for key, n in refusals.items() if n},
                  "refusal_examples": {"%s %d" % key: text for key, text in examples.items()}, "last_success": round(last_success[0], 2),
                  "lent": confirmed["lent"], "returned": confirmed["returned"], "items": items[:len(cards)], "cards": cards}))
