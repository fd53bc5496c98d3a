# Sourced by the first-time search benchmarks (bench-search-compare.sh,
# bench-search-plain.sh): waiting for a fresh server, and asking every path
# of a list once with wrk at 8 connections.

# Waits until the server on port $1 answers, then until Bieb has loaded its
# search columns (a search waits for them; "zzqqxx" is in no query list).
wait_for_search() {
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$1/health" >/dev/null && break; sleep 0.5; done
  curl -sf "http://127.0.0.1:$1/api/v1/organisations/den-haag/search?q=zzqqxx" >/dev/null
}

# Asks every path in file $2 once of the server on port $1 (each wrk thread
# half of them) and prints wrk's result line. wrk would run out its whole
# duration; each thread leaves a marker file when done (BIEB_DONE in
# catalogue.lua) and SIGINT then makes wrk print and stop. $3: a scratch
# directory. Answers slower than 10 s count as errors.
ask_each_once() {
  rm -f "$3"/done.*
  BIEB_SPLIT=1 BIEB_PATHS="$2" BIEB_DONE="$3/done" wrk -t2 -c8 -d1200s --timeout 10s -s scripts/bench/catalogue.lua \
    "http://127.0.0.1:$1" >"$3/out" &
  local load=$!
  while kill -0 $load 2>/dev/null && [ "$(ls "$3"/done.* 2>/dev/null | wc -l)" -lt 2 ]; do sleep 0.5; done
  sleep 1; kill -INT $load 2>/dev/null || true; wait $load || true
  tail -1 "$3/out"
}
