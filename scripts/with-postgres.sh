#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster (temporary directory, free loopback port),
# stopped and removed whatever the outcome. DATABASE_URL points at it for the command.
set -euo pipefail
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)")
[ -x "$PGBIN/initdb" ] || { echo "PostgreSQL introuvable (lancer scripts/system-deps.sh)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/tremplin-pg.XXXXXX)
RUN=()
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$tmp"; RUN=(runuser -u postgres --); fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  "${RUN[@]}" "$PGBIN/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
"${RUN[@]}" "$PGBIN/initdb" -D "$tmp/data" -U tremplin -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
"${RUN[@]}" "$PGBIN/pg_ctl" -D "$tmp/data" -l "$tmp/postgres.log" -w -o \
  "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
"$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U tremplin tremplin
echo "PostgreSQL temporaire sur 127.0.0.1:$port"
export DATABASE_URL="postgres://tremplin@127.0.0.1:$port/tremplin"
set +e
"$@"
status=$?
set -e
exit $status
