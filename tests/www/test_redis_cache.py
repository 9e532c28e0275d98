"""With REDIS_URL set, the shared cache is Redis (Django's RedisCache) and the rate limits count there: a real
redis-server (Debian's package, started here on a free loopback port); skipped when it is not installed."""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from tests.workshops.factories import SessionFactory
from tests.www.test_proxy_ratelimit import fresh_address, honeypot_post, is_limited, posts_from_another_process

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if not Path(REDIS_SERVER).exists():
        pytest.skip("redis-server absent (paquet Debian redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    directory = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def redis_cache(settings, redis_url):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def test_settings_choose_redis_when_redis_url_is_set(redis_url):
    code = "import django; django.setup(); from django.conf import settings; print(settings.CACHES['default'])"
    env = {"DJANGO_SETTINGS_MODULE": "tremplin.settings.test", "REDIS_URL": redis_url, "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "django.core.cache.backends.redis.RedisCache" in result.stdout and redis_url in result.stdout


def test_redis_increment_keeps_the_expiry_and_is_shared(redis_cache, redis_url):
    import redis

    redis_cache.add("compteur", 0, timeout=3600)
    other = caches.create_connection("default")  # what another process opens
    assert redis_cache.incr("compteur") == 1 and other.incr("compteur") == 2
    assert 3500 < redis.Redis.from_url(redis_url).ttl(other.make_and_validate_key("compteur")) <= 3600


@pytest.mark.django_db(transaction=True)
def test_two_processes_share_the_count_in_redis(redis_cache, redis_url):
    site = SessionFactory().site
    url = reverse("workshops:public", args=[site.pk])
    address = fresh_address()
    assert [is_limited(honeypot_post(Client(), site, REMOTE_ADDR=address)) for _ in range(10)] == [False] * 10
    assert posts_from_another_process(url, address, 11, REDIS_URL=redis_url) == [False] * 10 + [True]
    assert is_limited(honeypot_post(Client(), site, REMOTE_ADDR=address))
