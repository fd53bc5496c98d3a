#!/usr/bin/env bash
# Benchmark of the management information over HTTP (release build,
# embedded SQLite): a demo server (22 branches of Den Haag, two years of
# generated history), a manager's API token, then ROUNDS requests one after
# another of each insight endpoint for last year, side by side in the same
# run with a plain baseline: the branch list of the public API (one small
# query); the overview page and its charts too (a manager signed in through
# the form). Prints p50 and p95 per endpoint.
#
#   scripts/bench-insights.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-40}
PORT=8183
# BIEB may name another build; by default, the release build here.
if [ -z "${BIEB:-}" ]; then swift build -c release --product bieb >/dev/null; BIEB=.build/release/bieb; fi
DATA=$(mktemp -d /tmp/bieb-insights.XXXXXX)
START=$(date +%s.%N)
LOG_LEVEL=warning "$BIEB" demo --data "$DATA" --port $PORT --sip2-port 0 >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
echo "demo with two years of history ready after $(echo "$(date +%s.%N) - $START" | bc | cut -c1-5) s"

python3 - "$PORT" "$ROUNDS" <<'PY'
import http.client, json, re, sys, time, datetime, urllib.parse
port, rounds = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
cookies = {}
def call(method, path, body=None, token=None, form=None):
    headers = {"content-type": "application/json"}
    if token == "page":
        headers["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    elif token: headers["authorization"] = "Bearer " + token
    if form is not None:
        headers["content-type"] = "application/x-www-form-urlencoded"
        body = urllib.parse.urlencode(form)
    elif body is not None: body = json.dumps(body)
    c.request(method, path, body, headers)
    r = c.getresponse(); data = r.read()
    for name, value in r.getheaders():
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            cookies[key.strip()] = rest.split(";")[0]
    return r.status, data
status, data = call("POST", "/api/v1/auth/token", {"email": "directie@denhaag.bieb.demo", "password": "bieb-demo-2026"})
token = json.loads(data)["token"]
# The pages: a manager signed in through the form (its CSRF token from the sign-in page).
status, data = call("GET", "/staff/login", token="page")
csrf = re.search(r'name="csrf" value="([^"]*)"', data.decode()).group(1)
status, _ = call("POST", "/staff/login", token="page", form={"csrf": csrf, "email": "directie@denhaag.bieb.demo", "password": "bieb-demo-2026"})
assert status in (200, 303), status
year = datetime.date.today().year - 1
endpoints = [
    ("baseline: public branch list", "/api/v1/organisations/den-haag/branches", None),
    ("months of loans (organisation)", f"/api/v1/insights/months?kind=loan&year={year}", token),
    ("months of loans (a branch, youth)", f"/api/v1/insights/months?kind=loan&year={year}&branch=centrale-bibliotheek&audience=youth", token),
    ("measurements with snapshots", "/api/v1/insights/measurements", token),
    ("annual report (organisation)", f"/api/v1/insights/annual-reports/{year}", token),
    ("annual report (a branch)", f"/api/v1/insights/annual-reports/{year}?branch=centrale-bibliotheek", token),
    ("annual report as CSV", f"/api/v1/insights/annual-reports/{year}?format=csv", token),
    ("overview page (organisation)", f"/staff/inzicht?jaar={year}", "page"),
    ("overview page (a branch)", f"/staff/inzicht?vestiging=centrale-bibliotheek&jaar={year}", "page"),
] + [(f"chart {chart} (organisation)", f"/api/v1/insights/charts/{chart}?year={year}", token)
     for chart in ["loans", "audiences", "visits", "weekdays", "functions", "branches"]] + [
    ("chart branches as CSV (page)", f"/staff/inzicht/grafiek/branches.csv?jaar={year}", "page"),
]
print(f"{'endpoint':40} {'p50 ms':>8} {'p95 ms':>8}")
for name, path, auth in endpoints:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        status, _ = call("GET", path, token=auth)
        times.append((time.perf_counter() - t0) * 1000)
        assert status == 200, (path, status)
    times.sort()
    print(f"{name:40} {times[len(times)//2]:8.1f} {times[int(len(times)*0.95) - 1]:8.1f}")
PY
