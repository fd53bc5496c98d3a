#!/usr/bin/env bash
# Attacks a Bieb of its own from outside, as issue 16's tester did, and fails
# on any 5xx answer, a crash, or a server that stops answering:
#  - the JSON API over its OpenAPI document with schemathesis (PyPI, in a
#    virtual environment under .build-fuzz-venv): generated valid and invalid
#    requests for every operation, without a token, with a staff token and
#    with a member token;
#  - the SIP2 codec and listener with random and mutated messages
#    (scripts/fuzz_sip2.py).
#
#   scripts/fuzz.sh [examples-per-operation] [sip2-rounds]
#
# The server is the demo network in a temporary folder (debug build); its
# log is kept in that folder when something fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
EXAMPLES=${1:-20}
ROUNDS=${2:-2000}

if ! swift build --product bieb >/dev/null 2>"${TMPDIR:-/tmp}/bieb-fuzz-build.log"; then
  cat "${TMPDIR:-/tmp}/bieb-fuzz-build.log" >&2
  exit 1
fi
BIEB=.build/debug/bieb
VENV=.build-fuzz-venv
if [ ! -x "$VENV/bin/schemathesis" ]; then
  echo "== installing schemathesis into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q schemathesis
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port); SIP2_PORT=$(free_port); SMTP_PORT=$(free_port)
DATA=$(mktemp -d /tmp/bieb-fuzz.XXXXXX)
BIEB_TRUSTED_PROXIES= $BIEB demo --data "$DATA" --port "$PORT" --sip2-port "$SIP2_PORT" --smtp-port "$SMTP_PORT" >"$DATA/server.log" 2>&1 &
SERVER=$!
cleanup() { kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.5; done
BASE="http://127.0.0.1:$PORT"

STAFF=$(curl -sf -X POST "$BASE/api/v1/auth/token" -H 'content-type: application/json' \
  -d '{"email": "medewerker@denhaag.bieb.demo", "password": "bieb-demo-2026"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
MEMBER=$(curl -sf -X POST "$BASE/api/v1/my/token" -H 'content-type: application/json' \
  -d '{"organisation": "den-haag", "card": "2000000001", "pin": "2580"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

status=0
# A failure is an answer of 5xx or a request the server did not answer (schemathesis's own internal errors,
# which it reports as "errors", are not the server's doing: they are shown, not counted).
run() {
  local name=$1; shift
  local out="$DATA/schemathesis-$(echo "$name" | tr ' ' '-').txt"
  echo "== API fuzz: $name"
  # Run in the temporary folder: schemathesis and hypothesis keep caches where they run.
  (cd "$DATA" && "$ROOT/$VENV/bin/schemathesis" run "$BASE/api/openapi.json" --checks not_a_server_error --max-examples "$EXAMPLES" \
      --seed 16 --workers 2 --request-timeout 20 --suppress-health-check all --output-truncate true "$@") >"$out" 2>&1 || true
  grep -E "generated, |passed|failed" "$out" | grep -vE "^ +(✅|⏭)" | tail -3
  if grep -qE "ST101|Server error|Network Error|Connection refused|Read timed out" "$out"; then
    echo "!! $name: server errors or unanswered requests (see $out)"
    status=1
  fi
}
run "without a token"
# With a token, leave out signing out and changing one's own password or PIN: they end the token the run uses.
KEEP_TOKEN='^/api/v1/(auth/token|my/token|my/accounts/\{member\}/(password|pin))$'
run "with a staff token" -H "Authorization: Bearer $STAFF" --exclude-path-regex "$KEEP_TOKEN"
run "with a member token" -H "Authorization: Bearer $MEMBER" --exclude-path-regex "$KEEP_TOKEN"

echo "== SIP2 fuzz"
python3 scripts/fuzz_sip2.py 127.0.0.1 "$SIP2_PORT" kiosk-centrale bieb-demo-2026 "$ROUNDS" || status=1

if ! kill -0 $SERVER 2>/dev/null || ! curl -sf "$BASE/health" >/dev/null; then
  echo "!! the server stopped answering (log: $DATA/server.log)"
  status=1
fi
errors=$(grep -c '"status":5\|status=5[0-9][0-9]' "$DATA/server.log" || true)
echo "== server answered $errors times with a 5xx (log lines)"
[ "$errors" = 0 ] || status=1
if [ $status = 0 ]; then rm -rf "$DATA"; echo "== fuzz: no 5xx, no crash"; else echo "!! fuzz failed (log: $DATA/server.log)"; fi
exit $status
