#!/usr/bin/env bash
# Serve Tremplin on http://127.0.0.1:8000 with its task worker beside it, and the 48-hour reminders
# (`send_reminders`, every 10 minutes); all stop together.
set -euo pipefail
PY=${1:-.venv/bin/python}
"$PY" manage.py db_worker --interval 2 >var/worker.log 2>&1 &
worker=$!
(
  trap 'kill $nap 2>/dev/null; exit 0' TERM
  nap=
  while true; do
    "$PY" manage.py send_reminders >>var/reminders.log 2>&1 || true
    sleep 600 &
    nap=$!
    wait $nap
  done
) &
reminders=$!
trap 'kill $worker $reminders 2>/dev/null || true' EXIT INT TERM
"$PY" manage.py runserver 127.0.0.1:8000
