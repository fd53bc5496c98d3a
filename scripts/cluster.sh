#!/usr/bin/env bash
# Several Bieb app servers on one PostgreSQL behind HAProxy, all on loopback
# and all from Debian packages (postgresql, haproxy): a throw-away PostgreSQL
# cluster (scripts/with-postgres.sh), the first app server seeding the demo
# network into it (`bieb demo --database …`), the others `bieb serve`, and
# HAProxy in front — HTTP on port 8080 (round robin, health checks on
# /health, a retry on another server only for a request that never reached
# one or for GET/HEAD), SIP2 on port 6001 (TCP, least connections: a terminal
# that loses its server reconnects to another). Each answer names the server
# that gave it (X-Bieb-Server). All servers pay with the demo's test provider
# and send their mail to the demo's mail sink (in $BIEB_CLUSTER_DATA/s1/mail).
#
#   scripts/cluster.sh [SERVERS]                  # serve until Ctrl-C
#   scripts/cluster.sh [SERVERS] -- COMMAND ...    # run COMMAND against it (BIEB_CLUSTER_URL, BIEB_CLUSTER_SIP2, DATABASE_URL,
#                                                  # BIEB_CLUSTER_DATA: server.sh N start|stop, haproxy.sock), then stop
#
# Such commands: scripts/cluster-check.sh (what must hold across servers) and
# scripts/cluster-rolling.sh (each server replaced in turn under load).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--inner" ]; then
  shift
  SERVERS=$1; shift
  DATA=$(mktemp -d /tmp/bieb-cluster.XXXXXX)
  URL=$BIEB_TEST_POSTGRES_URL
  export BIEB_TRUSTED_PROXIES=127.0.0.1 BIEB_PUBLIC_URL=http://127.0.0.1:8080 LOG_LEVEL=${LOG_LEVEL:-warning} URL DATA
  # $DATA/server.sh N start|stop: app server N (the first one serves the demo it seeded; its pid in $DATA/sN.pid).
  cat >"$DATA/server.sh" <<'SERVER'
#!/usr/bin/env bash
set -euo pipefail
i=$1
if [ "$2" = stop ]; then
  pid=$(cat "$DATA/s$i.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
  exit 1
fi
if [ "$i" = 1 ]; then
  "$BIEB_BIN" demo --database "$URL" --data "$DATA/s1" --port 8101 --sip2-port 6101 --smtp-port 2601 >>"$DATA/s1.log" 2>&1 &
else
  # The other servers pay with the demo's test provider too and send mail to the demo's mail sink (port 2601).
  BIEB_PAYMENT_PROVIDER=test BIEB_SMTP_HOST=127.0.0.1 BIEB_SMTP_PORT=2601 BIEB_SMTP_SECURITY=none BIEB_MAIL_FROM=noreply@bieb.demo \
    "$BIEB_BIN" serve --database "$URL" --port "810$i" --sip2-port "610$i" >>"$DATA/s$i.log" 2>&1 &
fi
echo $! >"$DATA/s$i.pid"
for _ in $(seq 1 900); do curl -sf "http://127.0.0.1:810$i/health" >/dev/null && exit 0; sleep 0.2; done
exit 1
SERVER
  chmod +x "$DATA/server.sh"
  stop() {
    for file in "$DATA"/*.pid; do [ -f "$file" ] && kill "$(cat "$file")" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$DATA"
  }
  trap stop EXIT
  echo "cluster: seeding the demo into PostgreSQL through server 1 …"
  "$DATA/server.sh" 1 start || { cat "$DATA/s1.log"; exit 1; }
  for i in $(seq 2 "$SERVERS"); do "$DATA/server.sh" "$i" start & done
  wait
  {
    printf 'global\n  log stdout format raw local0 warning\n  stats socket %s/haproxy.sock mode 600 level admin\n' "$DATA"
    printf 'defaults\n  log global\n  timeout connect 2s\n  timeout client 60s\n  timeout server 60s\n  retries 2\n  option redispatch\n'
    printf 'frontend web\n  mode http\n  bind 127.0.0.1:8080\n  option forwardfor\n  default_backend bieb\n'
    printf 'backend bieb\n  mode http\n  balance roundrobin\n  option httpchk GET /health\n  http-check expect status 200\n'
    # A request that reached a server is retried elsewhere only when it changes nothing.
    printf '  retry-on conn-failure empty-response response-timeout\n  http-request disable-l7-retry unless METH_GET || METH_HEAD\n'
    printf '  http-response set-header X-Bieb-Server %%s\n'
    for i in $(seq 1 "$SERVERS"); do printf '  server s%s 127.0.0.1:810%s check inter 1s fall 2 rise 2\n' "$i" "$i"; done
    printf 'frontend sip2\n  mode tcp\n  bind 127.0.0.1:6001\n  default_backend sip2\n'
    printf 'backend sip2\n  mode tcp\n  balance leastconn\n'
    for i in $(seq 1 "$SERVERS"); do printf '  server s%s 127.0.0.1:610%s check inter 1s\n' "$i" "$i"; done
  } >"$DATA/haproxy.cfg"
  haproxy -f "$DATA/haproxy.cfg" -db >"$DATA/haproxy.log" 2>&1 &
  echo $! >"$DATA/haproxy.pid"
  for _ in $(seq 1 100); do curl -sf http://127.0.0.1:8080/health >/dev/null && break; sleep 0.1; done
  export BIEB_CLUSTER_URL=http://127.0.0.1:8080 BIEB_CLUSTER_SIP2=127.0.0.1:6001 DATABASE_URL=$URL BIEB_CLUSTER_DATA=$DATA
  echo "cluster: $SERVERS app servers (127.0.0.1:8101…810$SERVERS) behind HAProxy on $BIEB_CLUSTER_URL (SIP2 on $BIEB_CLUSTER_SIP2), PostgreSQL $URL"
  if [ "$#" -gt 0 ]; then "$@"; else echo "cluster: Ctrl-C stops it all"; wait; fi
  exit $?
fi
SERVERS=${1:-2}
shift || true
[ "${1:-}" = "--" ] && shift
if ! command -v haproxy >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq haproxy >/dev/null
fi
if [ -z "${BIEB_BIN:-}" ]; then swift build --product bieb >/dev/null; BIEB_BIN=$(pwd)/.build/debug/bieb; fi
export BIEB_BIN
exec scripts/with-postgres.sh "$0" --inner "$SERVERS" "$@"
