#!/usr/bin/env bash
# Tremplin past one machine, proved on loopback with real parts (docs/DEPLOYMENT.md, « La preuve »):
# a PostgreSQL primary and its streaming replica (two clusters, pg_basebackup -R, wal_level=replica), Redis when
# redis-server is installed (shared cache and sessions), two gunicorn web processes on two ports and two task
# workers (`manage.py task_worker`), all with the production settings on the same primary and replica. Then
# tests/ops/scale_proof_client.py checks, through HTTP as a browser and an API client would:
#   - a login made on web A is valid on web B (sessions in the database / Redis, not in a process);
#   - a booking made through A is seen at once through B (both on the primary);
#   - a dashboard served by B reads its figures from the replica (the replica's statement log, by process name),
#     and nothing is ever written there (read-only: PostgreSQL would refuse; none in its log either);
#   - the message task the booking queued is run once, by one of the two workers (task row, SMS file, status);
#   - the web processes log JSON lines.
# Everything runs in a temporary folder, stopped and removed whatever the outcome. Bounded: about a minute.
#     scripts/scale-proof.sh [python]        (tests/ops/test_scale_proof.py runs it in `make test`)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
BIN=$(dirname "$PY")
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)")
[ -x "$PGBIN/initdb" ] || { echo "PostgreSQL introuvable (lancer scripts/system-deps.sh)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/tremplin-scale.XXXXXX)
chmod 755 "$tmp"
mkdir -p "$tmp/pg" "$tmp/var/static" "$tmp/logs"
RUN=()
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$tmp/pg"; RUN=(runuser -u postgres --); fi
read -r P_PRIMARY P_REPLICA P_REDIS P_WEB_A P_WEB_B < <(python3 -c '
import socket
sockets = [socket.socket() for _ in range(5)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))')
pids=()
cleanup() {
  [ -n "${start:-}" ] && step "Arrêt de tous les processus"
  # INT: gunicorn's quick shutdown (TERM waits up to graceful_timeout for idle kept-alive connections).
  for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  "${RUN[@]}" "$PGBIN/pg_ctl" -D "$tmp/pg/replica" -m immediate stop >/dev/null 2>&1 || true
  "${RUN[@]}" "$PGBIN/pg_ctl" -D "$tmp/pg/primary" -m immediate stop >/dev/null 2>&1 || true
  if [ "${KEEP_SCALE_PROOF:-0}" = 1 ]; then echo "Dossier gardé : $tmp"; else rm -rf "$tmp"; fi
  [ -n "${start:-}" ] && step "Arrêtés, dossier temporaire supprimé"
}
step() { printf '[%5.1f s] %s\n' "$(($(date +%s%N) - start))e-9" "$1"; }
start=$(date +%s%N)
trap cleanup EXIT INT TERM

# Every statement is logged with the name of the process that sent it (PGAPPNAME below): the proof reads them.
LOGGED="-c log_statement=all -c 'log_line_prefix=%m app=%a '"
"${RUN[@]}" "$PGBIN/initdb" -D "$tmp/pg/primary" -U tremplin -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
"${RUN[@]}" "$PGBIN/pg_ctl" -D "$tmp/pg/primary" -l "$tmp/pg/primary.log" -w -o \
  "-p $P_PRIMARY -k $tmp/pg -c listen_addresses=127.0.0.1 -c wal_level=replica -c max_wal_senders=4 -c fsync=off \
   -c max_connections=100 $LOGGED" start >/dev/null
"$PGBIN/createdb" -h 127.0.0.1 -p "$P_PRIMARY" -U tremplin tremplin
# The replica: a base backup of the primary that follows it (-R: standby.signal and primary_conninfo), read-only.
"${RUN[@]}" "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$P_PRIMARY" -U tremplin -D "$tmp/pg/replica" -R -X stream \
  -c fast --no-sync
"${RUN[@]}" "$PGBIN/pg_ctl" -D "$tmp/pg/replica" -l "$tmp/pg/replica.log" -w -o \
  "-p $P_REPLICA -k $tmp/pg -c listen_addresses=127.0.0.1 -c hot_standby=on -c fsync=off -c max_connections=100 \
   $LOGGED" start >/dev/null
step "PostgreSQL : principale sur le port $P_PRIMARY, réplique en flux sur le port $P_REPLICA"

# The production settings; static files from the finders (tests/ops/scale_settings.py: no collectstatic).
export DJANGO_SETTINGS_MODULE=tests.ops.scale_settings
export SECRET_KEY=scale-proof-only-not-secret TREMPLIN_CONTACT_PHONE="01 00 00 00 00"
export ALLOWED_HOSTS=tremplin.test,127.0.0.1 SECURE_SSL_REDIRECT=0 CONN_MAX_AGE=60 LOG_LEVEL=WARNING
export DATABASE_URL="postgres://tremplin@127.0.0.1:$P_PRIMARY/tremplin"
export DATABASE_REPLICA_URL="postgres://tremplin@127.0.0.1:$P_REPLICA/tremplin"
export TREMPLIN_VAR_DIR="$tmp/var" TREMPLIN_SMS_BACKEND=tremplin.notifications.backends.FileSmsBackend
export TREMPLIN_SMS_FILE_PATH="$tmp/var/sms" TREMPLIN_PUBLIC_URL=https://tremplin.test
unset REDIS_URL
if [ -x /usr/bin/redis-server ] || command -v redis-server >/dev/null; then
  (cd "$tmp" && exec redis-server --port "$P_REDIS" --bind 127.0.0.1 --save '' --appendonly no) \
    >"$tmp/logs/redis.log" 2>&1 &
  pids+=($!)
  export REDIS_URL="redis://127.0.0.1:$P_REDIS/0"
  step "Redis sur le port $P_REDIS : cache partagé et sessions"
else
  step "redis-server absent : cache partagé et sessions dans PostgreSQL (scripts/system-deps.sh installe Redis)"
fi

# What the platform's release phase does (Procfile: release), then every process at once; the data the checks
# start from is written meanwhile (on the primary, as an administrator would).
PGAPPNAME=release "$PY" manage.py migrate --noinput -v 0 --skip-checks
step "Base migrée sur la principale (phase de publication)"
for worker in 1 2; do
  PGAPPNAME=worker-$worker "$PY" manage.py task_worker --worker-id "tw-worker-$worker" --interval 0.2 --no-startup-delay \
    >"$tmp/logs/worker-$worker.log" 2>&1 &
  pids+=($!)
done
for web in a:$P_WEB_A b:$P_WEB_B; do
  PGAPPNAME=web-${web%%:*} HOST=127.0.0.1 PORT=${web#*:} WEB_CONCURRENCY=2 \
    "$BIN/gunicorn" --config python:tremplin.ops.gunicorn tremplin.wsgi:application \
    >"$tmp/logs/web-${web%%:*}.log" 2>"$tmp/logs/web-${web%%:*}.err" &
  pids+=($!)
done
"$PY" tests/ops/scale_proof_client.py seed >"$tmp/seed.json"
step "Deux processus web (gunicorn, ports $P_WEB_A et $P_WEB_B) et deux travailleurs lancés, données de départ écrites"

"$PY" tests/ops/scale_proof_client.py check --seed "$tmp/seed.json" \
  --web-a "http://127.0.0.1:$P_WEB_A" --web-b "http://127.0.0.1:$P_WEB_B" \
  --primary-log "$tmp/pg/primary.log" --replica-log "$tmp/pg/replica.log" --logs "$tmp/logs" \
  --sms "$tmp/var/sms" --replica-url "$DATABASE_REPLICA_URL"
step "Preuve terminée"
