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
        return error.code, None
    except Exception as error:
        return 0, str(error)

status, body = call("POST", "/api/v1/auth/token", body={"email": "medewerker@denhaag.bieb.demo", "password": "bieb-demo-2026"})
token = body["token"]
items = subprocess.run(["psql", os.environ["DATABASE_URL"], "-Atc",
    "SELECT i.barcode FROM items i JOIN branches b ON b.id = i.current_branch_id WHERE b.slug = 'centrale-bibliotheek' "
    "AND i.status = 'available' AND i.hold_id IS NULL ORDER BY i.barcode LIMIT %d" % threads], capture_output=True, text=True, check=True).stdout.split()
# Adult members without a fee outstanding (the demo leaves one on every 17th).
cards = ["20000000%02d" % n for n in range(1, 61) if n % 3 != 0 and n % 17 != 0][:threads]
counts, failures, lock = {}, [], threading.Lock()
deadline = time.time() + seconds

def desk(card, item):
    while time.time() < deadline:
        for method, path, body in [("POST", "/api/v1/circulation/checkout", {"card": card, "item": item, "branch": "centrale-bibliotheek"}),
                                   ("GET", "/api/v1/organisations", None),
                                   ("POST", "/api/v1/circulation/checkin", {"item": item, "branch": "centrale-bibliotheek"})]:
            status, answer = call(method, path, token, body)
            with lock:
                counts[status] = counts.get(status, 0) + 1
                if status == 0 or status >= 500: failures.append({"at": round(time.time() - deadline + seconds, 2), "path": path, "status": status, "error": answer})

workers = [threading.Thread(target=desk, args=(card, item)) for card, item in zip(cards, items)]
for worker in workers: worker.start()
for worker in workers: worker.join()
print(json.dumps({"requests": sum(counts.values()), "statuses": {str(k): v for k, v in sorted(counts.items())}, "failures": failures[:20],
                  "failed": len(failures)}))
