#!/usr/bin/env bash
# No page scrolls sideways on a 320 px phone, checked in a real browser: starts
# the demo (debug build) and opens its public pages, a member's pages and staff
# pages in headless Chromium at 320 px (scripts/check-layout.py). Needs
# Debian's chromium and chromium-driver (.ci/run installs them).
#
#   scripts/check-layout.sh [width]
set -euo pipefail
cd "$(dirname "$0")/.."
WIDTH=${1:-320}
PORT=8197
DATA=$(mktemp -d /tmp/bieb-layout.XXXXXX)
swift build --product bieb >"$DATA/build.log" 2>&1 || { cat "$DATA/build.log"; exit 1; }
LOG_LEVEL=warning .build/debug/bieb demo --data "$DATA" --port $PORT --sip2-port 0 >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
B=http://127.0.0.1:$PORT
for _ in $(seq 1 600); do curl -sf "$B/health" >/dev/null && break; sleep 0.2; done
first() { curl -sf "$1" | grep -o "$2" | head -1 | cut -d'"' -f2 || true; }
TITLE=$(first "$B/den-haag/catalogus?q=boek" 'href="/den-haag/catalogus/[0-9]*"')
ACTIVITY=$(first "$B/den-haag/agenda" 'href="/den-haag/agenda/[A-Za-z0-9-]*"')
HOUR=$(first "$B/den-haag/spreekuren" 'href="/den-haag/spreekuren/[A-Za-z0-9-]*"')
LIST=$(first "$B/den-haag/lijsten" 'href="/den-haag/lijsten/[a-z0-9-]*"')
status=0
echo "== public pages"
python3 scripts/check-layout.py "$B" --width "$WIDTH" / /den-haag /den-haag/centrale-bibliotheek /den-haag/ypenburg /heemstede \
  "/den-haag/catalogus" "/den-haag/catalogus?q=boek" "/den-haag/catalogus?q=boek&lang=en" "$TITLE" /den-haag/agenda "$ACTIVITY" \
  /den-haag/spreekuren "$HOUR" /den-haag/groepen /den-haag/lijsten "$LIST" /den-haag/mijn/inloggen /den-haag/lid-worden /staff/login || status=1
echo "== a member's pages (a parent with a child's account)"
python3 scripts/check-layout.py "$B" --width "$WIDTH" --member 2000000005:2580 /den-haag/mijn /den-haag/mijn/gegevens \
  /den-haag/mijn/berichten /den-haag/mijn/geschiedenis /den-haag/mijn/privacy "/den-haag/mijn/privacy?lang=en" /den-haag/mijn/tips \
  /den-haag/mijn/activiteiten /den-haag/mijn/studieplekken "/den-haag/mijn/reserveren?titel=${TITLE##*/}" /den-haag/mijn/panel || status=1
echo "== answering a survey (Heemstede's branch link, a personal invitation in The Hague)"
CODE=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT link_code FROM research_waves WHERE link_code IS NOT NULL\").fetchone()[0])" "$DATA/demo.sqlite")
TOKEN=$(python3 -c "import sqlite3,sys,re; rows=sqlite3.connect(sys.argv[1]).execute(\"SELECT body_text FROM outbox_messages WHERE kind='survey_invitation' AND reference IN (SELECT 'invitation:'||token_hash FROM research_invitations WHERE answered=0)\").fetchall(); print(re.search(r'/enquete/t/([0-9a-f]+)', rows[0][0]).group(1))" "$DATA/demo.sqlite")
python3 scripts/check-layout.py "$B" --width "$WIDTH" "/heemstede/enquete/$CODE" "/heemstede/enquete/$CODE?lang=en" "/den-haag/enquete/t/$TOKEN" || status=1
echo "== staff pages (an administrator)"
COOKIES="$DATA/cookies"
curl -s -c "$COOKIES" "$B/staff/login" >"$DATA/login.html"
CSRF=$(grep -o 'name="csrf" value="[^"]*"' "$DATA/login.html" | head -1 | cut -d'"' -f4)
curl -s -b "$COOKIES" -c "$COOKIES" -o /dev/null --data-urlencode "csrf=$CSRF" --data-urlencode "email=admin@denhaag.bieb.demo" \
  --data-urlencode "password=bieb-demo-2026" "$B/staff/login"
BRANCH=$(curl -s -b "$COOKIES" "$B/staff" | grep -o 'href="/staff/branches/[A-F0-9-]*/hours"' | head -1 | cut -d'"' -f2)
BRANCH=${BRANCH%/hours}
ACT=$(curl -s -b "$COOKIES" "$B/staff/programma" | grep -o 'href="/staff/programma/[A-F0-9-]*"' | head -1 | cut -d'"' -f2)
MEMBER=$(curl -s -b "$COOKIES" "$B/staff/desk?branch=centrale-bibliotheek&card=2000000005" | grep -o 'href="/staff/members/[A-Fa-f0-9-]*"' | head -1 | cut -d'"' -f2)
SERIES=$(curl -s -b "$COOKIES" "$B/staff/programma/lijsten" | grep -o 'href="/staff/programma/lijsten/reeksen/[0-9]*"' | head -1 | cut -d'"' -f2)
# A weeding list for Loosduinen (its old English shelf), made as staff would.
SURVEY=$(curl -s -b "$COOKIES" "$B/staff/onderzoek" | grep -o 'href="/staff/onderzoek/[0-9]*"' | head -1 | cut -d'"' -f2)
ROUND=$(curl -s -b "$COOKIES" "$B$SURVEY" | grep -o 'href="/staff/onderzoek/rondes/[0-9]*"' | head -1 | cut -d'"' -f2)
SCENARIO=$(curl -s -b "$COOKIES" "$B/staff/netwerk/scenarios" | grep -o 'href="/staff/netwerk/scenarios/[0-9]*"' | head -1 | cut -d'"' -f2)
CSRF=$(curl -s -b "$COOKIES" "$B/staff/collectie/wieden" | grep -o 'name="csrf" value="[^"]*"' | head -1 | cut -d'"' -f4)
WEEDING=$(curl -s -b "$COOKIES" -o /dev/null -w '%{redirect_url}' --data-urlencode "csrf=$CSRF" --data-urlencode "branch=loosduinen" \
  "$B/staff/collectie/wieden" | sed -e 's|^https\?://[^/]*||' -e 's|?.*||')
python3 scripts/check-layout.py "$B" --width "$WIDTH" --staff admin@denhaag.bieb.demo:bieb-demo-2026 /staff "$BRANCH" "$BRANCH/hours" \
  "$BRANCH/week" /staff/branches/new /staff/catalogue "/staff/catalogue?q=boek" "/staff/catalogue/${TITLE##*/}" /staff/catalogue/new \
  "/staff/desk?branch=centrale-bibliotheek&card=2000000005" "/staff/desk/lists?branch=centrale-bibliotheek" \
  "/staff/desk/returns?branch=centrale-bibliotheek" "/staff/members/new?branch=centrale-bibliotheek" /staff/lists /staff/messages \
  /staff/messages/templates /staff/privacy /staff/programma "$ACT" /staff/self-service /staff/spreekuren /staff/users \
  /staff/loan-rules /staff/members/online /staff/betalingen "$MEMBER" /staff/programma/lijsten "$SERIES" /staff/inzicht \
  "/staff/inzicht?vestiging=centrale-bibliotheek" /staff/inzicht/metingen /staff/inzicht/jaarverslag "/staff/inzicht/jaarverslag?lang=en" /staff/inzicht/bezoekers \
  /staff/inzicht/digitaal /staff/inzicht/zomerlezen "/staff/inzicht/zomerlezen?lang=en" /staff/studieplekken \
  /staff/collectie "/staff/collectie?vestiging=loosduinen&niveau=full&deel=youth_fiction" "/staff/collectie?lang=en" /staff/collectie/drempels \
  /staff/collectie/themas /staff/collectie/wieden "$WEEDING" /staff/collectie/aankoop /staff/collectie/balans /staff/netwerk "/staff/netwerk?lang=en" /staff/netwerk/scenarios "$SCENARIO" "$SCENARIO?lang=en" /staff/netwerk/gebieden /staff/netwerk/gebieden/WK051804 "/staff/netwerk/gebieden/WK051829?lang=en" \
  /staff/onderzoek /staff/onderzoek/nieuw "$SURVEY" "$SURVEY/resultaten" "$SURVEY/resultaten?lang=en" "$ROUND" /staff/onderzoek/moderatie || status=1
exit $status
