#!/usr/bin/env bash
# Install the system parts the tests use when they are missing: PostgreSQL server, Chromium, Redis (Debian).
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)  # tests/www/test_redis_cache.py (REDIS_URL)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installation des paquets Debian manquants : ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
