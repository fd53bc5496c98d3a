#!/usr/bin/env bash
# What must hold across app servers, checked through the proxy of
# scripts/cluster.sh (run as its command):
#
#   scripts/cluster.sh 3 -- scripts/cluster-check.sh
#
# Round robin sends consecutive requests to different servers, so each check
# below crosses servers: every server answers; a staff sign-in (the form's
# CSRF token from one server, the post to another) and its session hold on
# all of them; a staff bearer token from one works on the others; a member
# token likewise; the background jobs are leased by one server each; and two
# desks checking out one copy at once through the proxy: exactly one wins.
set -euo pipefail
B=${BIEB_CLUSTER_URL:?run me through scripts/cluster.sh}
WORK=$(mktemp -d /tmp/bieb-cluster-check.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail=0
check() { if eval "$2"; then echo "ok    $1"; else echo "FAIL  $1"; fail=1; fi; }
server() { curl -s -o /dev/null -D - "$@" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-bieb-server"{print $2}'; }

# Every server answers.
SEEN=$(for _ in $(seq 1 12); do server "$B/health"; done | sort -u | tr '\n' ' ')
check "every app server answers through the proxy ($SEEN)" "[ $(echo $SEEN | wc -w) -ge 2 ]"

# A staff sign-in across servers: the form from one, the post to the next, the pages on all.
JAR="$WORK/cookies"
curl -s -c "$JAR" "$B/staff/login" >"$WORK/login.html"
CSRF=$(grep -o 'name="csrf" value="[^"]*"' "$WORK/login.html" | head -1 | cut -d'"' -f4)
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -b "$JAR" -c "$JAR" --data-urlencode "csrf=$CSRF" \
  --data-urlencode "email=admin@denhaag.bieb.demo" --data-urlencode "password=bieb-demo-2026" "$B/staff/login")
check "staff sign-in with the CSRF token of another server (303)" "[ $STATUS = 303 ]"
PAGES=$(for _ in $(seq 1 6); do curl -s -o /dev/null -w '%{http_code}\n' -b "$JAR" "$B/staff"; done | sort -u | tr '\n' ' ')
check "the signed-in session holds on every server (all 200: $PAGES)" "[ \"$PAGES\" = '200 ' ]"

# Bearer tokens made on one server work on the others.
TOKEN=$(curl -s -H 'content-type: application/json' -d '{"email": "admin@denhaag.bieb.demo", "password": "bieb-demo-2026"}' \
  "$B/api/v1/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
API=$(for _ in $(seq 1 6); do curl -s -o /dev/null -w '%{http_code}\n' -H "authorization: Bearer $TOKEN" "$B/api/v1/organisations"; done | sort -u | tr '\n' ' ')
check "a staff token works on every server ($API)" "[ \"$API\" = '200 ' ]"
MEMBER=$(curl -s -H 'content-type: application/json' -d '{"organisation": "den-haag", "card": "2000000002", "pin": "2580"}' \
  "$B/api/v1/my/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
MINE=$(for _ in $(seq 1 6); do curl -s -o /dev/null -w '%{http_code}\n' -H "authorization: Bearer $MEMBER" "$B/api/v1/my/accounts"; done | sort -u | tr '\n' ' ')
check "a member token works on every server ($MINE)" "[ \"$MINE\" = '200 ' ]"

# Background jobs: each leased by one server.
LEASES=$(psql "$DATABASE_URL" -Atc "SELECT COUNT(*) FROM job_leases" 2>/dev/null || echo 0)
DUPLICATES=$(psql "$DATABASE_URL" -Atc "SELECT COUNT(*) FROM (SELECT job FROM job_leases GROUP BY job HAVING COUNT(*) > 1) d" 2>/dev/null || echo 1)
check "background jobs leased ($LEASES), none twice" "[ $LEASES -ge 1 ] && [ $DUPLICATES = 0 ]"

# Two desks, one copy, at once (two servers): exactly one checkout.
ITEM=$(psql "$DATABASE_URL" -Atc "SELECT i.barcode FROM items i JOIN branches b ON b.id = i.current_branch_id WHERE b.slug = 'centrale-bibliotheek' AND i.status = 'available' AND i.hold_id IS NULL LIMIT 1")
for card in 2000000003 2000000004; do
  curl -s -o "$WORK/checkout-$card.json" -w '%{http_code}\n' -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d "{\"card\": \"$card\", \"item\": \"$ITEM\", \"branch\": \"centrale-bibliotheek\"}" "$B/api/v1/circulation/checkout" >"$WORK/status-$card" &
done
wait
WON=$(cat "$WORK"/status-* | grep -c '^200$' || true)
OPEN=$(psql "$DATABASE_URL" -Atc "SELECT COUNT(*) FROM loans l JOIN items i ON i.id = l.item_id WHERE i.barcode = '$ITEM' AND l.open")
check "two desks on two servers check out one copy: one wins ($(cat "$WORK"/status-* | tr '\n' ' '); open loans $OPEN)" "[ $WON = 1 ] && [ $OPEN = 1 ]"
exit $fail
