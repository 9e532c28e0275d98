"""`PORT=8100 make demo`: scripts/serve.sh serves on the port asked, says « prêt » only once it answers, and the
links of messages follow the address served."""

import contextlib
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from tests.conftest import ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _env(tmp_path, port: int) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "TREMPLIN_PUBLIC_URL")
    }
    return {**env, "PORT": str(port), "HOST": "127.0.0.1", "TREMPLIN_VAR_DIR": str(tmp_path)}


def test_serve_listens_on_the_port_asked_and_says_ready_once_it_answers(tmp_path):
    port = _free_port()
    address = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        ["scripts/serve.sh", sys.executable],
        cwd=ROOT,
        env=_env(tmp_path, port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: the runserver, worker and reminders stop together
    )
    try:
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in server.stdout], daemon=True).start()
        deadline, line = time.monotonic() + 90, ""
        while "prêt" not in line:
            remaining = deadline - time.monotonic()
            assert remaining > 0 and server.poll() is None, f"serve.sh n'a pas dit « prêt » ({line!r})"
            with contextlib.suppress(queue.Empty):
                line = lines.get(timeout=min(remaining, 1))
        assert line.strip() == f"Tremplin est prêt : {address}"
        # Said once the address answers: the page is there at once.
        with urllib.request.urlopen(address + "/", timeout=10) as page:  # noqa: S310 (http, our own address)
            assert page.status == 200
            assert "Tremplin" in page.read().decode()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


LINK = (
    "from tremplin.notifications.services import registration_link; from tremplin.workshops.models import "
    "Registration; print(registration_link(Registration()))"
)


def _message_link(env: dict) -> str:
    """The link a message sent by this configuration carries (the last line: `shell` may say more before)."""
    run = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", LINK], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip().splitlines()[-1]


def test_message_links_follow_the_address_served(tmp_path):
    port = _free_port()
    assert _message_link(_env(tmp_path, port)).startswith(f"http://127.0.0.1:{port}/ateliers/inscription/")
    # Behind a public address (production, a tunnel), TREMPLIN_PUBLIC_URL wins.
    public = _message_link({**_env(tmp_path, port), "TREMPLIN_PUBLIC_URL": "https://tremplin.example.fr"})
    assert public.startswith("https://tremplin.example.fr/ateliers/inscription/")
