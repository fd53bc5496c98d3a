#!/usr/bin/env bash
# SQLite on a disk that fills up: a catalogue import into a data folder on a
# small tmpfs (needs root: mount), until the disk is full. Then: the import
# stopped with a clear message, the file is whole (integrity_check), every
# batch is there whole or not at all; `bieb serve` on the full disk stops
# with the same clear message and starts once there is room; the same
# import, run again, completes.
#
#   scripts/fault-disk-full.sh [MB]        # the tmpfs's size, 48 by default
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-48}
BIEB_BIN=${BIEB_BIN:-.build/debug/bieb}
MARC=bench-data/BooksAll.2016.part01.utf8
[ -s "$MARC" ] || scripts/fetch-marc-data.sh
DIR=$(mktemp -d /tmp/bieb-full.XXXXXX)
cleanup() { [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null || true; umount "$DIR" 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT
mount -t tmpfs -o size="${SIZE}m" tmpfs "$DIR"
fail=0
check() { if eval "$2"; then echo "ok    $1"; else echo "FAIL  $1"; fail=1; fi; }
"$BIEB_BIN" org create --slug test --name Test --data "$DIR" >/dev/null
echo lang-genoeg-wachtwoord | "$BIEB_BIN" user create --role admin --email beheer@test.example --org test --data "$DIR" >/dev/null
echo "disk-full: importing $MARC into a ${SIZE} MB disk …"
set +e
"$BIEB_BIN" import marc "$MARC" --org test --data "$DIR" >"$DIR.out" 2>&1
status=$?
set -e
tail -3 "$DIR.out" | sed 's/^/  | /'
titles=$(sqlite3 "$DIR/bieb.sqlite" "SELECT COUNT(*) FROM titles")
check "the import stopped with an error (exit $status)" "[ $status -ne 0 ]"
check "it said the disk is full" "grep -qi 'full' '$DIR.out'"
check "the database is whole (integrity_check)" "[ \"\$(sqlite3 '$DIR/bieb.sqlite' 'PRAGMA integrity_check')\" = ok ]"
# Batches of 500 records, each stored whole: every title has its search row, every copy its title.
# Counted in FTS5's own table of documents: Debian's sqlite3 is older than the contentless_delete option the index uses.
check "every stored title ($titles) has its search row" "[ \"\$(sqlite3 '$DIR/bieb.sqlite' 'SELECT COUNT(*) FROM title_search_docsize')\" = $titles ]"
check "no copy without its title" "[ \"\$(sqlite3 '$DIR/bieb.sqlite' 'SELECT COUNT(*) FROM items i LEFT JOIN titles t ON t.id = i.title_id WHERE t.id IS NULL')\" = 0 ]"
# A server on a full disk: with room again the log is folded into the file and emptied, then the disk is filled to
# the last byte. `bieb serve` cannot even open the database's shared-memory index there: it stops with the same clear
# message. With room again it starts and takes writes. (A server whose disk fills while it serves answers reads and
# refuses each write that needs room with a 503 database_full: `aFullDiskIsA503AndLeavesTheDatabaseWhole`.)
mount -o remount,size=1024m "$DIR"
sqlite3 "$DIR/bieb.sqlite" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
head -c $((1024 * 1024 * 1024)) /dev/zero >"$DIR/filler" 2>/dev/null || true   # every byte that is left
set +e
timeout 60 "$BIEB_BIN" serve --data "$DIR" --port 8199 --sip2-port 6199 >"$DIR.serve" 2>&1
status=$?
set -e
grep -v '^\s*$' "$DIR.serve" | tail -1 | cut -c1-300 | sed 's/^/  | /'
check "bieb serve on the full disk stops (exit $status) saying the disk is full" "[ $status = 1 ] && grep -q 'disk is full' '$DIR.serve'"
rm -f "$DIR/filler"   # (sqlite3 itself cannot open the file on the full disk either)
check "the database is whole (integrity_check)" "[ \"\$(sqlite3 '$DIR/bieb.sqlite' 'PRAGMA integrity_check')\" = ok ]"
"$BIEB_BIN" serve --data "$DIR" --port 8199 --sip2-port 6199 >"$DIR.serve" 2>&1 &
SERVER=$!
for _ in $(seq 1 300); do curl -sf http://127.0.0.1:8199/health >/dev/null && break; sleep 0.2; done
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' \
  -d '{"email":"beheer@test.example","password":"lang-genoeg-wachtwoord"}' http://127.0.0.1:8199/api/v1/auth/token)
check "with room again it serves and a sign-in is stored ($code)" "[ $code = 201 ]"
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
# The same import, with room, completes.
"$BIEB_BIN" import marc "$MARC" --org test --data "$DIR" >"$DIR.out" 2>&1
tail -1 "$DIR.out" | sed 's/^/  | /'
check "run again with room, the import completes" "[ \"\$(sqlite3 '$DIR/bieb.sqlite' 'SELECT COUNT(*) FROM titles')\" -ge 249000 ]"
check "the database is whole (integrity_check)" "[ \"\$(sqlite3 '$DIR/bieb.sqlite' 'PRAGMA integrity_check')\" = ok ]"
rm -f "$DIR.out" "$DIR.serve" "$DIR.answer"
exit $fail
