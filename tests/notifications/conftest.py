"""Real servers on loopback for the providers: an SMTP server (aiosmtpd) and a fake SMS HTTP endpoint."""

import contextlib
import json
import socket
import threading
import time
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from tremplin.notifications import backends


@pytest.fixture(autouse=True)
def empty_sms_outbox():
    backends.outbox.clear()
    yield
    backends.outbox.clear()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """aiosmtpd handler keeping every message received, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append({"from": envelope.mail_from, "to": envelope.rcpt_tos, "message": message})
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1; Django sends through it with its SMTP backend."""
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    try:
        yield handler
    finally:
        controller.stop()


class FakeSmsProvider(ThreadingHTTPServer):
    """Answers POST /sms with the next scripted status (then 200), records each request."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), FakeSmsHandler)
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.delay = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sms"


class FakeSmsHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's hook name)
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length))
        server: FakeSmsProvider = self.server
        server.requests.append({"path": self.path, "headers": dict(self.headers), "json": body})
        if server.delay:
            time.sleep(server.delay)
        status = server.statuses.pop(0) if server.statuses else 200
        answer = {"id": f"sms-{len(server.requests)}"} if status < 300 else {"error": "indisponible"}
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # the client gave up (timeout test)
            self.wfile.write(payload)

    def log_message(self, format, *args):  # keep the test output quiet
        pass


@pytest.fixture
def sms_provider(settings):
    """A fake SMS provider on loopback; the HTTP backend posts to it."""
    server = FakeSmsProvider()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.TREMPLIN_SMS_BACKEND = "tremplin.notifications.backends.HttpSmsBackend"
    settings.TREMPLIN_SMS_URL = server.url
    settings.TREMPLIN_SMS_TOKEN = "jeton-de-test"
    settings.TREMPLIN_SMS_TIMEOUT = 2
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
