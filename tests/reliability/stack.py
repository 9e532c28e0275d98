"""The platform as in production for the reliability tests: a migrated database, a place with sessions and an API
key (seeded by bench/bench_booking.py's `seed`, reused here), gunicorn with 2 workers on loopback, and a plain HTTP
client (standard library, one connection per request: an error is never a kept connection closed meanwhile)."""

import contextlib
import http.client
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import bench_booking  # noqa: E402 (bench/ is not a package)

free_port = bench_booking.free_port

SEED = """
import json, sys
sys.path.insert(0, "bench")
import bench_booking
ids, key = bench_booking.seed({"load": (%d, %d)}, 0)
print(json.dumps({"sessions": ids["load"], "key": key}))
"""


def environment(database_url: str) -> dict:
    """bench_booking's production environment (prod settings, kept connections, plain HTTP on loopback), with the
    static files from the finders (tests/reliability/settings.py) and without API rate limits (a load from one key)."""
    env = bench_booking.environment()
    env.update(
        DJANGO_SETTINGS_MODULE="tests.reliability.settings",
        PYTHONPATH=str(ROOT),
        DATABASE_URL=database_url,
        TREMPLIN_API_RATE="",
        TREMPLIN_API_PUBLIC_RATE="",
        LOG_FORMAT="text",
    )
    env.pop("CONN_HEALTH_CHECKS", None)  # the default of tremplin/settings/base.py is what is tested
    return env


def migrate(env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)


def seed(env: dict, *, sessions: int, capacity: int) -> tuple[list[int], str]:
    """`sessions` sessions of `capacity` seats at one place, and the API key of its mediator."""
    done = subprocess.run(
        [sys.executable, "-c", SEED % (sessions, capacity)], cwd=ROOT, env=env, check=True, capture_output=True
    )
    answer = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return answer["sessions"], answer["key"]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def json(self):
        return json.loads(self.body)


def request(
    port: int, method: str, path: str, *, body: dict | None = None, key: str = "", cookie: str = "", timeout=30
) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Connection": "close"}
    if cookie:
        headers["Cookie"] = cookie
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if body is not None:
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


@contextlib.contextmanager
def gunicorn(env: dict, log: Path, *, workers: int = 2, threads: int = 4):
    """gunicorn as in production (gthread workers), on a free loopback port; yields the port once it answers."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "tremplin.wsgi:application",
        f"--workers={workers}",
        "--worker-class=gthread",
        f"--threads={threads}",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        "--graceful-timeout=5",
    ]
    with log.open("wb") as output:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if request(port, "GET", "/api/v1/health", timeout=5).status == 200:
                        break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn ne démarre pas :\n{log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.2)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
