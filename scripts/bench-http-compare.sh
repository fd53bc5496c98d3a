#!/usr/bin/env bash
# The HTTP benchmark of docs/PERFORMANCE.md for two builds side by side, in
# one run on one machine: each build's demo server gets the same requests,
# path by path and turn by turn (A, B, A, B), so a busy or slower machine
# moves both figures alike. `/health` is the plain baseline: it does no
# database work, so it shows what the machine and the HTTP stack give.
#
#   scripts/bench-http-compare.sh A B [seconds] [connections] [rounds]
#
# A and B are `bieb` binaries (release builds), for example the build of an
# earlier commit in a second worktree and this one:
#
#   git worktree add /tmp/bieb-before <rev> && (cd /tmp/bieb-before && swift build -c release --product bieb)
#   swift build -c release --product bieb
#   scripts/bench-http-compare.sh /tmp/bieb-before/.build/release/bieb .build/release/bieb
#
# Needs wrk (apt-get install wrk) and python3. Prints requests a second per
# path and build, the median of the rounds, and B ÷ A.
set -euo pipefail
cd "$(dirname "$0")/.."
A=${1:?"the first bieb binary"}
B=${2:?"the second bieb binary"}
DURATION=${3:-10}
CONNECTIONS=${4:-32}
ROUNDS=${5:-2}
command -v wrk >/dev/null || { echo "install wrk first (apt-get install wrk)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/bieb-compare.XXXXXX)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

start() {   # binary, name, port
  mkdir -p "$WORK/$2"
  LOG_LEVEL=warning "$1" demo --data "$WORK/$2" --port "$3" --sip2-port 0 >"$WORK/$2/server.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$3/health" >/dev/null && return 0; sleep 0.2; done
  echo "the demo server $2 did not start; see $WORK/$2/server.log" >&2; exit 1
}
start "$A" a 8281
start "$B" b 8282
# Both demos are built the same way; a branch's id differs, its slug does not.
branch() { curl -sf "http://127.0.0.1:$1/api/v1/organisations/den-haag/branches" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])'; }
BRANCH_A=$(branch 8281)
BRANCH_B=$(branch 8282)

echo "A: $A"
echo "B: $B"
echo "demo servers, release builds, SQLite; wrk ${DURATION}s, ${CONNECTIONS} connections, 2 threads, ${ROUNDS} rounds; $(nproc) cores"
printf '%-44s %12s %12s %8s\n' "GET" "A req/s" "B req/s" "B÷A"
for path in "/health" "/api/v1/branches/{branch}/status" "/api/v1/organisations/den-haag/branches" "/den-haag" "/den-haag/centrale-bibliotheek"; do
  a=() b=()
  for _ in $(seq 1 "$ROUNDS"); do
    a+=("$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" "http://127.0.0.1:8281${path/\{branch\}/$BRANCH_A}" | awk '/Requests\/sec/ {print $2}')")
    b+=("$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" "http://127.0.0.1:8282${path/\{branch\}/$BRANCH_B}" | awk '/Requests\/sec/ {print $2}')")
  done
  python3 - "$path" "${a[*]}" "${b[*]}" <<'EOF'
import statistics, sys
path, a, b = sys.argv[1], [float(x) for x in sys.argv[2].split()], [float(x) for x in sys.argv[3].split()]
ma, mb = statistics.median(a), statistics.median(b)
print(f"{path:<44} {ma:12.1f} {mb:12.1f} {mb / ma:8.2f}")
EOF
done
