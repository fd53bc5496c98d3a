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
# token likewise; the background jobs are leased by one server each; two
# desks checking out one copy at once through the proxy: exactly one wins; a
# payment whose webhook reaches every server at once is booked once; mail
# that every server's outbox sender races for is sent once each; a branch
# closed for a day on one server is closed on all at once (the calendar
# caches are never stale), and so are a lowered fee limit (settings), a
# revoked token and a title imported by another process (the catalogue);
# wrong passwords spread over the servers are throttled together; and a SIP2
# kiosk whose server stops mid-session carries on on another
# (scripts/cluster-sip2.py).
set -euo pipefail
B=${BIEB_CLUSTER_URL:?run me through scripts/cluster.sh}
WORK=$(mktemp -d /tmp/bieb-cluster-check.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail=0
check() { if eval "$2"; then echo "ok    $1"; else echo "FAIL  $1"; fail=1; fi; }
server() { curl -s -o /dev/null -D - "$@" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-bieb-server"{print $2}'; }
# A JSON field of one URL asked six times through the proxy: "server value" pairs, e.g. "s1 True s2 True s3 True".
everywhere() {
  local field=$1; shift
  for _ in $(seq 1 6); do
    body=$(curl -s -D "$WORK/h" "$@")
    echo "$(tr -d '\r' <"$WORK/h" | awk -F': ' 'tolower($1)=="x-bieb-server"{print $2}') $(echo "$body" | python3 -c "import json,sys; print(json.load(sys.stdin)['$field'])")"
  done | sort -u | tr '\n' ' '
}

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

# A payment the provider reports to every server at once: booked once.
# A demo card with PIN 2580 whose member is not blocked, charged a fee at the desk first.
read -r CARD MEMBER_ID < <(psql "$DATABASE_URL" -Atc "SELECT c.barcode, m.id FROM member_cards c JOIN members m ON m.id = c.member_id
  WHERE c.status = 'active' AND m.block_reason IS NULL AND c.barcode BETWEEN '2000000005' AND '2000000040' ORDER BY c.barcode LIMIT 1" | tr '|' ' ')
curl -s -o /dev/null -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"amount_cents": 250, "note": "Clustertoets"}' \
  "$B/api/v1/members/$MEMBER_ID/charges"
BALANCE=$(psql "$DATABASE_URL" -Atc "SELECT balance_cents FROM members WHERE id = '$MEMBER_ID'")
PAYER=$(curl -s -H 'content-type: application/json' -d "{\"organisation\": \"den-haag\", \"card\": \"$CARD\", \"pin\": \"2580\"}" \
  "$B/api/v1/my/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
curl -s -H "authorization: Bearer $PAYER" -H 'content-type: application/json' -d '{"purpose": "fees"}' \
  "$B/api/v1/my/accounts/$MEMBER_ID/payments" >"$WORK/payment.json"
PAYMENT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/payment.json")
PROVIDER_ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["checkout_url"].rsplit("/", 1)[1])' "$WORK/payment.json")
psql "$DATABASE_URL" -qAtc "UPDATE test_provider_payments SET status = 'paid' WHERE id = '$PROVIDER_ID'"   # paid at the provider
for _ in $(seq 1 6); do
  curl -s -o /dev/null -w '%{http_code}\n' -H 'content-type: application/json' -d "{\"id\": \"$PROVIDER_ID\"}" \
    "$B/api/v1/payments/webhook/den-haag" >>"$WORK/webhooks" &
done
wait
BOOKED=$(psql "$DATABASE_URL" -Atc "SELECT COUNT(*) FROM fee_lines WHERE payment_id = '$PAYMENT' AND kind = 'payment'")
AFTER=$(psql "$DATABASE_URL" -Atc "SELECT balance_cents FROM members WHERE id = '$MEMBER_ID'")
check "a payment's webhook on every server at once is booked once ($(sort "$WORK/webhooks" | uniq -c | xargs); ledger lines $BOOKED; balance $BALANCE → $AFTER)" \
  "[ $BOOKED = 1 ] && [ $AFTER = 0 ]"

# Mail every server's outbox sender races for: each message sent once.
MAIL="$BIEB_CLUSTER_DATA/s1/mail"
ORG=$(psql "$DATABASE_URL" -Atc "SELECT id FROM organisations WHERE slug = 'den-haag'")
MARK="cluster-$(date +%s)"
# Written messages (as a PIN reset is: sent as written), to one member, put straight into the outbox.
TO=$(psql "$DATABASE_URL" -Atc "SELECT id FROM members WHERE organisation_id = '$ORG' ORDER BY id LIMIT 1")
psql "$DATABASE_URL" -qAtc "INSERT INTO outbox_messages (organisation_id, member_id, kind, reference, dedupe_key, status, attempts, next_attempt_at, created_at,
  recipient, subject, body_text, body_html) SELECT '$ORG', '$TO', 'pin_reset', '', '$MARK-' || n, 'pending', 0, now(), now(),
  'lid' || n || '@example.org', '$MARK ' || n, 'Bericht ' || n, NULL FROM generate_series(1, 60) n"
for _ in $(seq 1 60); do
  [ "$(psql "$DATABASE_URL" -Atc "SELECT COUNT(*) FROM outbox_messages WHERE dedupe_key LIKE '$MARK-%' AND status IN ('pending', 'sending')")" = 0 ] && break
  sleep 1
done
SENT=$(psql "$DATABASE_URL" -Atc "SELECT COUNT(*) FROM outbox_messages WHERE dedupe_key LIKE '$MARK-%' AND status = 'sent'")
RECEIVED=$( { grep -l "^Subject: $MARK " "$MAIL"/*.eml 2>/dev/null || true; } | wc -l)
DISTINCT=$( { grep -h "^Subject: $MARK " "$MAIL"/*.eml 2>/dev/null || true; } | sort -u | wc -l)
check "60 messages raced for by every server's sender: sent $SENT, received $RECEIVED, each once ($DISTINCT distinct)" \
  "[ $SENT = 60 ] && [ $RECEIVED = 60 ] && [ $DISTINCT = 60 ]"

# Caches that are never stale: the branch calendar. Every server is asked about a Wednesday noon (cached), one
# server closes the branch that day, and every server at once says closed.
BRANCH=$(psql "$DATABASE_URL" -Atc "SELECT b.id FROM branches b JOIN organisations o ON o.id = b.organisation_id WHERE o.slug = 'den-haag' AND b.slug = 'centrale-bibliotheek'")
DAY=$(python3 -c 'import datetime; d = datetime.date.today() + datetime.timedelta(days=70); print(d + datetime.timedelta(days=(2 - d.weekday()) % 7))')
status_everywhere() { everywhere open "$B/api/v1/branches/$BRANCH/status?at=${DAY}T12:00:00%2B01:00"; }
BEFORE=$(status_everywhere)
curl -s -o /dev/null -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d "{\"start_date\": \"$DAY\", \"reason\": \"Clustertoets\"}" "$B/api/v1/branches/$BRANCH/exceptions"
AFTER=$(status_everywhere)
check "a branch closed on one server is closed on every server at once (before: $BEFORE; after: $AFTER)" \
  "! echo '$BEFORE' | grep -q False && ! echo '$AFTER' | grep -q True && [ \$(echo '$AFTER' | wc -w) -ge 4 ]"

# Caches that are never stale: circulation settings. A member with a small debt may borrow on every server (the
# settings are cached there now); the fee limit is lowered through one server; every server at once says no.
curl -s -o /dev/null -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"amount_cents": 300, "note": "Clustertoets"}' \
  "$B/api/v1/members/$MEMBER_ID/charges"
may_borrow_everywhere() { everywhere may_borrow "$B/api/v1/members/$MEMBER_ID" -H "authorization: Bearer $TOKEN"; }
LIMIT=$(curl -s -H "authorization: Bearer $TOKEN" "$B/api/v1/circulation-settings" | python3 -c 'import json,sys; print(json.load(sys.stdin)["fee_limit_cents"])')
BEFORE=$(may_borrow_everywhere)
curl -s -o /dev/null -X PUT -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"fee_limit_cents": 100}' "$B/api/v1/circulation-settings"
AFTER=$(may_borrow_everywhere)
curl -s -o /dev/null -X PUT -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d "{\"fee_limit_cents\": $LIMIT}" "$B/api/v1/circulation-settings"
curl -s -o /dev/null -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"amount_cents": 300}' "$B/api/v1/members/$MEMBER_ID/payments"
check "a fee limit lowered on one server counts on every server at once (may borrow before: $BEFORE; after: $AFTER)" \
  "! echo '$BEFORE' | grep -q False && ! echo '$AFTER' | grep -q True && [ \$(echo '$AFTER' | wc -w) -ge 4 ]"

# Caches that are never stale: tokens. A second token, used on every server, revoked through one: refused by all at once.
SECOND=$(curl -s -H 'content-type: application/json' -d '{"email": "medewerker@denhaag.bieb.demo", "password": "bieb-demo-2026"}' \
  "$B/api/v1/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
used() { for _ in $(seq 1 6); do curl -s -o /dev/null -w '%{http_code}\n' -H "authorization: Bearer $SECOND" "$B/api/v1/organisations"; done | sort | uniq -c | xargs; }
BEFORE=$(used)
REVOKED=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "authorization: Bearer $SECOND" "$B/api/v1/auth/token")
AFTER=$(used)
check "a token revoked on one server ($REVOKED) is refused by every server at once (before: $BEFORE; after: $AFTER)" \
  "[ '$BEFORE' = '6 200' ] && [ '$AFTER' = '6 401' ]"

# Caches that are never stale: the catalogue. A word no title has is searched on every server (the empty answer is
# cached there); a title with it is imported by another process (bieb import); every server finds it at once.
WORD="clustertoets$(date +%s)"
cat >"$WORK/title.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<collection xmlns="http://www.loc.gov/MARC21/slim"><record><leader>00000nam a2200000 a 4500</leader>
<controlfield tag="001">$WORD</controlfield><controlfield tag="008">261206s2026    ne            000 0 dut d</controlfield>
<datafield tag="245" ind1="0" ind2="0"><subfield code="a">Het $WORD boek</subfield></datafield></record></collection>
XML
found_everywhere() { everywhere total "$B/api/v1/organisations/den-haag/search?q=$WORD"; }
BEFORE=$(found_everywhere)
"$BIEB_BIN" import marc "$WORK/title.xml" --org den-haag --database "$DATABASE_URL" >/dev/null 2>&1
AFTER=$(found_everywhere)
check "a title imported by another process is found on every server at once (hits before: $BEFORE; after: $AFTER)" \
  "! echo '$BEFORE' | grep -q ' 1' && [ \$(echo '$AFTER' | grep -o ' 1' | wc -l) -ge 2 ] && ! echo '$AFTER' | grep -q ' 0'"

# A SIP2 kiosk whose server stops mid-session.
python3 "$(dirname "$0")/cluster-sip2.py" || fail=1

# Throttling across servers: wrong passwords for one account, spread over the servers by the proxy, are counted
# together (an account no one has, so nobody is locked out by this check).
CODES=$(for _ in $(seq 1 8); do
  curl -s -o /dev/null -D "$WORK/h" -w '%{http_code}' -H 'content-type: application/json' \
    -d '{"email": "niemand@denhaag.bieb.demo", "password": "fout"}' "$B/api/v1/auth/token"
  echo "@$(tr -d '\r' <"$WORK/h" | awk -F': ' 'tolower($1)=="x-bieb-server"{print $2}')"
done | tr '\n' ' ')
# As on one server (4 refusals, then a wait), not 4 per server: the refusals came from more than one server and
# every answer after the first 429 is a 429, from more than one server.
check "wrong passwords on all servers count together: refused, then 429 everywhere ($CODES)" "python3 -c '
import sys; answers = [a.split(\"@\") for a in sys.argv[1].split()]
first = next(i for i, (code, _) in enumerate(answers) if code == \"429\")
refused, locked = answers[:first], answers[first:]
sys.exit(0 if 3 <= first <= 5 and all(c == \"401\" for c, _ in refused) and len({s for _, s in refused}) >= 2
         and all(c == \"429\" for c, _ in locked) and len({s for _, s in locked}) >= 2 else 1)' '$CODES'"
exit $fail
