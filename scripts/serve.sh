#!/usr/bin/env bash
# Serve Tremplin on http://127.0.0.1:8000 with its task worker beside it; both stop together.
set -euo pipefail
PY=${1:-.venv/bin/python}
"$PY" manage.py db_worker --interval 2 >var/worker.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
"$PY" manage.py runserver 127.0.0.1:8000
