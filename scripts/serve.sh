#!/usr/bin/env bash
# Serve Tremplin on http://$HOST:$PORT (default 127.0.0.1:8000) with its task worker beside it, and the 48-hour
# reminders (`send_reminders`), the mandates' daily work (`mandates_daily`: expiry, warnings, habilitations unused
# for six months, journal check) and the referrals' (`referrals_daily`: reminders, expiry), every 10 minutes, and the
# retention periods of docs/RGPD.md (`apply_retention --daily`: once a day, the day's run is recorded in the database,
# so the other passes of the loop, and any other machine's, do nothing until the next day); all stop together.
# `PORT=8100 make demo` serves on 8100, and the links of messages (SMS, e-mails, letters) follow that address unless
# TREMPLIN_PUBLIC_URL says otherwise (tremplin/settings/base.py). « Tremplin est prêt » is printed once the address
# answers.
set -euo pipefail
PY=${1:-.venv/bin/python}
export PORT=${PORT:-8000} HOST=${HOST:-127.0.0.1}
ADDRESS="http://$HOST:$PORT"
mkdir -p "${TREMPLIN_VAR_DIR:-var}"
"$PY" manage.py task_worker --interval 2 >"${TREMPLIN_VAR_DIR:-var}/worker.log" 2>&1 &
worker=$!
(
  trap 'kill $nap 2>/dev/null; exit 0' TERM
  nap=
  while true; do
    "$PY" manage.py send_reminders >>"${TREMPLIN_VAR_DIR:-var}/reminders.log" 2>&1 || true
    "$PY" manage.py mandates_daily >>"${TREMPLIN_VAR_DIR:-var}/mandates.log" 2>&1 || true
    "$PY" manage.py referrals_daily >>"${TREMPLIN_VAR_DIR:-var}/referrals.log" 2>&1 || true
    "$PY" manage.py apply_retention --daily >>"${TREMPLIN_VAR_DIR:-var}/retention.log" 2>&1 || true
    sleep 600 &
    nap=$!
    wait $nap
  done
) &
reminders=$!
# Says « prêt » when the address answers (any HTTP answer), or that it did not after two minutes.
(
  for _ in $(seq 1 240); do
    if "$PY" - "$ADDRESS/" <<'PYTHON' 2>/dev/null; then
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError:
    pass
PYTHON
      echo "Tremplin est prêt : $ADDRESS"
      exit 0
    fi
    sleep 0.5
  done
  echo "Tremplin ne répond pas sur $ADDRESS : voir les messages ci-dessus." >&2
) &
ready=$!
trap 'kill $worker $reminders $ready 2>/dev/null || true' EXIT INT TERM
"$PY" manage.py runserver "$HOST:$PORT"
