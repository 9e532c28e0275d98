"""PostgreSQL restarted in the middle of a booking load (issue 15, section 4), with real parts: a cluster of the
test's own, gunicorn as in production (2 workers, kept connections), bookings through the API from threads.

- while the database is down, pages and the API answer a French 503 (Retry-After, no traceback), not a 500;
- during the load, every answer is 201 or 503, and bookings succeed again a few seconds after the restart without
  touching gunicorn, also on connections kept idle across a restart (CONN_HEALTH_CHECKS);
- in the database afterwards, the registrations are exactly those answered 201: none lost, none duplicated, and
  no session overbooked.
"""

import threading
import time

import psycopg
import pytest

from tests.reliability import postgres, stack

pytestmark = pytest.mark.skipif(postgres.server_binaries() is None, reason="PostgreSQL absent de cette machine")

TRACEBACK_SIGNS = ("Traceback", 'File "', "Error:", "psycopg", "django.db")
CLIENTS = 8
SESSIONS, CAPACITY = 12, 8


def booking(session_id: int, n: int) -> tuple[str, dict]:
    body = {"first_name": "Personne", "last_name": f"Panne {n}", "phone": f"06{n:08d}", "birth_year": 1950}
    return f"/api/v1/sessions/{session_id}/registrations", body


class BookingLoad:
    """CLIENTS threads booking a new person each time, round-robin over the sessions, until stopped."""

    def __init__(self, port: int, key: str, sessions: list[int], first: int):
        self.port, self.key, self.sessions = port, key, sessions
        self.next, self.lock, self.running = first, threading.Lock(), True
        self.answers: list[tuple[float, float, int, stack.Answer | None, str]] = []  # sent, done, n, answer, error
        self.threads = [threading.Thread(target=self.client, daemon=True) for _ in range(CLIENTS)]

    def client(self):
        while self.running:
            with self.lock:
                n, self.next = self.next, self.next + 1
            path, body = booking(self.sessions[n % len(self.sessions)], n)
            sent = time.monotonic()
            try:
                answer, error = stack.request(self.port, "POST", path, body=body, key=self.key), ""
            except OSError as exc:  # no answer at all: a failure of the test, kept to be shown
                answer, error = None, repr(exc)
            with self.lock:
                self.answers.append((sent, time.monotonic(), n, answer, error))

    def successes_after(self, moment: float) -> int:
        with self.lock:
            return sum(1 for sent, _, _, a, _ in self.answers if sent >= moment and a and a.status == 201)

    def wait(self, condition, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "la charge n'avance plus"
            time.sleep(0.05)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        for thread in self.threads:
            thread.join(timeout=60)


def assert_clean_503(answer: stack.Answer, *, api: bool) -> None:
    assert answer.status == 503, answer.text[:500]
    assert int(answer.headers["retry-after"]) > 0
    assert not any(sign in answer.text for sign in TRACEBACK_SIGNS), answer.text[:500]
    if api:
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.json()["detail"].startswith("Service momentanément indisponible")
    else:
        assert answer.headers["content-type"].startswith("text/html")
        assert '<html lang="fr">' in answer.text and "<h1>Service momentanément indisponible</h1>" in answer.text


def registrations_in_database(url: str, sessions: list[int]) -> dict[int, tuple[int, str]]:
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as connection:
        rows = connection.execute(
            "SELECT id, session_id, status FROM workshops_registration WHERE session_id = ANY(%s)", [sessions]
        ).fetchall()
    return {pk: (session_id, status) for pk, session_id, status in rows}


def test_bookings_survive_a_database_restart(tmp_path):
    started = time.monotonic()
    with postgres.Cluster() as cluster:
        env = stack.environment(cluster.url)
        stack.migrate(env)
        sessions, key = stack.seed(env, sessions=SESSIONS, capacity=CAPACITY)
        with stack.gunicorn(env, tmp_path / "gunicorn.log") as port:
            # 1. The database is down: a page, a page read with a session (the second-factor check, a middleware,
            # reads it), an API read and a booking each get the French 503.
            cluster.stop()
            try:
                page = stack.request(port, "GET", "/statistiques/partage/inconnu/")
                signed_in = stack.request(port, "GET", "/", cookie="sessionid=une-session-quelconque")
                read = stack.request(port, "GET", f"/api/v1/sessions/{sessions[0]}", key=key)
                path, body = booking(sessions[0], 0)
                refused = stack.request(port, "POST", path, body=body, key=key)
            finally:
                cluster.resume()
            assert_clean_503(page, api=False)
            assert_clean_503(signed_in, api=False)
            assert_clean_503(read, api=True)
            assert_clean_503(refused, api=True)
            # Back by itself: the same requests succeed, gunicorn untouched.
            assert stack.request(port, "GET", "/statistiques/partage/inconnu/").status == 404
            assert stack.request(port, "GET", f"/api/v1/sessions/{sessions[0]}", key=key).status == 200

            # 2. A restart in the middle of the bookings.
            with BookingLoad(port, key, sessions, first=1) as load:
                load.wait(lambda: load.successes_after(0) >= 40, timeout=30)
                restart_began = time.monotonic()
                cluster.restart()
                restarted = time.monotonic()
                # Bookings go through again within a few seconds, and go on.
                load.wait(lambda: load.successes_after(restarted) >= 1, timeout=5)
                recovered = time.monotonic()
                load.wait(lambda: time.monotonic() > recovered + 2 and load.successes_after(recovered) >= 30, 20)
            answers = load.answers

            # 3. Connections kept idle across a restart are checked before use: no failure after it.
            cluster.restart()
            after_idle_restart = []
            for n in range(load.next, load.next + 16):
                path, body = booking(sessions[n % len(sessions)], n)
                after_idle_restart.append(stack.request(port, "POST", path, body=body, key=key))
        log = (tmp_path / "gunicorn.log").read_text(errors="replace")
        database = registrations_in_database(cluster.url, sessions)

    no_answer = [error for *_, answer, error in answers if answer is None]
    assert not no_answer, no_answer[:3]
    statuses = {}
    for *_, answer, _ in answers:
        statuses[answer.status] = statuses.get(answer.status, 0) + 1
    assert set(statuses) <= {201, 503}, (statuses, [a.text[:300] for *_, a, _ in answers if a.status not in (201, 503)])
    for *_, answer, _ in answers:
        if answer.status == 503:
            assert_clean_503(answer, api=True)
    # Failures only around the restart: none for a booking sent once the first one after it went through.
    late_failures = [n for sent, _, n, answer, _ in answers if answer.status != 201 and sent > recovered + 0.5]
    assert not late_failures, late_failures
    assert recovered - restarted < 5
    assert [a.status for a in after_idle_restart] == [201] * 16, [a.text[:200] for a in after_idle_restart]

    # The database holds exactly the bookings answered 201, once each.
    booked = [a.json() for *_, a, _ in answers if a.status == 201] + [a.json() for a in after_idle_restart]
    assert len({b["id"] for b in booked}) == len(booked)
    assert set(database) == {b["id"] for b in booked}
    assert all(database[b["id"]][1] == b["status"] for b in booked)
    for session_id in sessions:
        confirmed = [pk for pk, (s, status) in database.items() if s == session_id and status == "confirmed"]
        assert len(confirmed) <= CAPACITY
    assert "Base de données injoignable" in log  # each 503 is logged
    print(
        f"\n{len(answers)} inscriptions pendant la charge, réponses {statuses} ; redémarrage de PostgreSQL "
        f"{restarted - restart_began:.1f} s, premières inscriptions réussies {recovered - restarted:.1f} s après ; "
        f"test entier {time.monotonic() - started:.0f} s"
    )
