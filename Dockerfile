# Tremplin's container image (Docker, Podman, a PaaS that builds a Dockerfile): `docker build -t tremplin .`
# Not built in CI (no registry of images reachable from the test machines): docs/DEPLOYMENT.md says how to build and
# run it. One image for every process: web (the default command), worker, release (see the Procfile).

# 1. Leaflet, served from our own static files (no CDN): the npm package of package-lock.json.
FROM docker.io/library/node:22-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# 2. The application: Python 3.11 (Django 5.2 LTS), WeasyPrint's libraries, the PostgreSQL client for the backups.
FROM docker.io/library/python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=tremplin.settings.prod \
    TREMPLIN_VAR_DIR=/app/var \
    LOG_FORMAT=json \
    PORT=8000
# WeasyPrint (PDF: funder report, mandates, letters): Pango, HarfBuzz, fonts. pg_dump/pg_restore: `manage.py backup`.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core fonts-liberation2 \
        shared-mime-info postgresql-client-15 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --create-home --home-dir /home/tremplin --shell /usr/sbin/nologin tremplin
WORKDIR /app
# The run-time dependencies of pyproject.toml, at the versions of requirements.lock (the tools of the tests left out).
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/runtime.txt \
    && pip install -r /tmp/runtime.txt -c requirements.lock \
    && rm /tmp/runtime.txt
COPY manage.py ./
COPY tremplin ./tremplin
COPY --from=assets /src/node_modules/leaflet/dist ./node_modules/leaflet/dist
# Static files, compressed and hashed (whitenoise serves them from every web process: nothing shared to mount).
RUN SECRET_KEY=build-only TREMPLIN_CONTACT_PHONE=build-only python manage.py collectstatic --noinput -v 0 \
    && mkdir -p /app/var/backups /app/var/cache \
    && chown -R tremplin:tremplin /app/var
USER tremplin
EXPOSE 8000
# Worker: `python manage.py db_worker`; release (before the new version takes traffic): `python manage.py migrate`.
CMD ["gunicorn", "--config", "python:tremplin.ops.gunicorn", "tremplin.wsgi:application"]
