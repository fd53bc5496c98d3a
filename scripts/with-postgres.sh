#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL cluster on loopback and
# BIEB_TEST_POSTGRES_URL pointing at it; installs PostgreSQL from Debian
# packages when it is missing. The cluster is removed afterwards.
#
#   scripts/with-postgres.sh swift test
#
# BIEB_PG_SETTINGS adds server settings for a benchmark, e.g. "-c shared_buffers=1GB".
set -euo pipefail

find_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

PGBIN=$(find_pg_bin || true)
if [ -z "${PGBIN}" ] || [ ! -x "${PGBIN}/initdb" ]; then
  echo "with-postgres: installing PostgreSQL from Debian packages" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq postgresql >/dev/null
  PGBIN=$(find_pg_bin)
fi

PGPORT=${BIEB_PG_PORT:-55432}
PGDATA=$(mktemp -d /tmp/bieb-pg.XXXXXX)
RUNAS=()
if [ "$(id -u)" = 0 ]; then
  # initdb refuses to run as root: run the cluster as the postgres user.
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$PGDATA"
  RUNAS=(runuser -u postgres --)
fi

cleanup() {
  "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PGDATA"
}
trap cleanup EXIT

"${RUNAS[@]}" "$PGBIN/initdb" -D "$PGDATA" -U bieb --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
  -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 ${BIEB_PG_SETTINGS:-}" \
  start >/dev/null
"$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U bieb bieb_test

export BIEB_TEST_POSTGRES_URL="postgres://bieb@127.0.0.1:${PGPORT}/bieb_test?sslmode=disable"
# For fault tests that restart the cluster (scripts/cluster-pgrestart.sh): its folder and pg_ctl, as the user it runs as.
export BIEB_PGDATA="$PGDATA" BIEB_PG_CTL="${RUNAS[*]:+${RUNAS[*]} }$PGBIN/pg_ctl"
echo "with-postgres: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:${PGPORT}" >&2
"$@"
