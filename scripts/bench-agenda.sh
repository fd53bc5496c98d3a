#!/usr/bin/env bash
# Benchmark of the programme (release build, embedded SQLite): a demo server
# with ACTIVITIES extra activities (two sessions each, themes, audiences),
# then wrk on the agenda (API, page, filtered), an activity's page and the
# iCalendar feed; and RACERS registrations racing (16 at a time) for an
# activity with 100 places, each guest from an address of its own (as
# through a proxy: X-Forwarded-For), at most 300 (the rate limit per
# activity lets 300 through in ten minutes).
#
#   scripts/bench-agenda.sh [activities] [racers] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
ACTIVITIES=${1:-2000}
RACERS=${2:-300}
DURATION=${3:-10}
PORT=8182

command -v wrk >/dev/null || { echo "install wrk first (apt-get install wrk)" >&2; exit 1; }
# BIEB may name another build (to compare two side by side); by default, the release build here.
if [ -z "${BIEB:-}" ]; then swift build -c release --product bieb >/dev/null; BIEB=.build/release/bieb; fi
DATA=$(mktemp -d /tmp/bieb-agenda.XXXXXX)
BIEB_TRUSTED_PROXIES=127.0.0.1 LOG_LEVEL=warning "$BIEB" demo --data "$DATA" --port $PORT --sip2-port 0 >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done

python3 - "$PORT" "$ACTIVITIES" "$RACERS" > "$DATA/ids" <<'PY'
import http.client, json, sys, time, datetime, random, threading
port, count, racers = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def client():
    return http.client.HTTPConnection("127.0.0.1", port, timeout=60)
c = client()
def call(conn, method, path, body=None, token=None, client=None):
    headers = {"content-type": "application/json"}
    if token: headers["authorization"] = "Bearer " + token
    if client: headers["x-forwarded-for"] = client
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    r = conn.getresponse(); data = r.read()
    return r.status, (json.loads(data) if data and data[:1] in b"[{" else data)
_, t = call(c, "POST", "/api/v1/auth/token", {"email": "medewerker@denhaag.bieb.demo", "password": "bieb-demo-2026"})
token = t["token"]
_, branches = call(c, "GET", "/api/v1/organisations/den-haag/branches")
ids = [b["id"] for b in branches]
themes = ["justice", "health", "gender_equality", "sustainability", "urban_issues", "basic_skills_language", "basic_skills_digital"]
kinds = ["lecture", "debate", "workshop", "language_cafe", "reading_aloud", "homework_help"]
start = datetime.datetime.now(datetime.timezone.utc).replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
t0 = time.time()
for n in range(count):
    day = start + datetime.timedelta(hours=(n * 7) % (24 * 90))
    sessions = [{"starts_at": (day + datetime.timedelta(days=7 * k)).isoformat(), "ends_at": (day + datetime.timedelta(days=7 * k, hours=2)).isoformat()} for k in range(2)]
    body = {"branch_id": ids[n % len(ids)], "kind": kinds[n % len(kinds)], "title": f"Activiteit {n}", "description": "Benchmark " * 20,
            "themes": [themes[n % len(themes)]], "audiences": ["adults"], "registration": "free", "capacity": 30, "needs_staff": False, "sessions": sessions}
    s, a = call(c, "POST", "/api/v1/activities", body, token)
    assert s == 201, a
    s, _ = call(c, "POST", f"/api/v1/activities/{a['id']}/publish", None, token)
    assert s == 200
print(f"created and published {count} activities in {time.time() - t0:.1f} s", file=sys.stderr)
# The race: RACERS guests for 100 places, 16 at a time.
body = {"branch_id": ids[0], "kind": "debate", "title": "Race", "registration": "free", "capacity": 100, "needs_staff": False,
        "sessions": [{"starts_at": (start + datetime.timedelta(days=3)).isoformat(), "ends_at": (start + datetime.timedelta(days=3, hours=2)).isoformat()}]}
_, race = call(c, "POST", "/api/v1/activities", body, token)
call(c, "POST", f"/api/v1/activities/{race['id']}/publish", None, token)
statuses, lock, latencies = {}, threading.Lock(), []
def worker(k):
    conn = client()
    for n in range(k, racers, 16):
        t1 = time.time()
        s, r = call(conn, "POST", f"/api/v1/organisations/den-haag/activities/{race['id']}/registrations", {"name": f"Gast {n}", "email": f"gast{n}@example.nl"},
                    client=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")
        with lock:
            latencies.append(time.time() - t1)
            key = r.get("status") if isinstance(r, dict) and s == 201 else s
            statuses[key] = statuses.get(key, 0) + 1
t0 = time.time()
threads = [threading.Thread(target=worker, args=(k,)) for k in range(16)]
[th.start() for th in threads]; [th.join() for th in threads]
elapsed = time.time() - t0
latencies.sort()
print(f"{racers} registrations racing for 100 places (16 at a time): {statuses} in {elapsed:.2f} s = {racers / elapsed:.0f}/s, "
      f"p50 {latencies[len(latencies)//2]*1000:.1f} ms, p99 {latencies[int(len(latencies)*0.99)]*1000:.1f} ms", file=sys.stderr)
_, one = call(c, "GET", "/api/v1/organisations/den-haag/agenda?limit=1")
print(ids[0], one[0]["id"])
PY
read -r BRANCH ACTIVITY < "$DATA/ids"
echo "bieb demo + $ACTIVITIES activities, release build, SQLite; wrk ${DURATION}s, 16 connections, 2 threads; $(nproc) cores"
for path in \
  "/api/v1/organisations/den-haag/agenda" \
  "/api/v1/organisations/den-haag/agenda?theme=health&audience=adults" \
  "/den-haag/agenda" \
  "/den-haag/agenda/$ACTIVITY" \
  "/den-haag/agenda.ics?branch=$BRANCH"; do
  echo "== GET $path"
  wrk -t2 -c16 -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$path" | grep -E "Requests/sec|50%|99%|Non-2xx"
done
echo "feed size: $(curl -s "http://127.0.0.1:$PORT/den-haag/agenda.ics?branch=$BRANCH" | grep -c BEGIN:VEVENT) events"
