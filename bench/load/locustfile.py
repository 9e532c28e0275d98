"""The users of the load test (locust), started by bench/load/run.py (see its docstring), which seeds the database
and describes it in the JSON file named by LOAD_SEED (accounts, TOTP keys, API keys, sessions, place). Each request
is named "<group>:<endpoint>"; every answer is recorded with its end time, duration, status and error, and written at
exit to LOAD_OUT (JSON), from which run.py computes throughput and percentiles:

- PublicVisitor: a person without an account on a place's public booking page (GET, then the form POSTed with its
  CSRF token, a new person each time, from their own address: X-Forwarded-For as our reverse proxy writes it, the
  server trusting one proxy), and the public statistics page;
- ApiBooker: a partner tool booking new people through `POST /api/v1/sessions/{id}/registrations` (a mediator's
  key), and `GET /api/v1/health` now and then, to see the anchor under load;
- NationalManager: signs in through the real login form (CSRF) and its second factor (TOTP code computed from the
  device's key, one account and device per user: a code is accepted only once per device), then reads the national
  dashboard and a département's;
- Coordinator: signs in (no second factor required for this role in production), reads their département's
  dashboard;
- ApiReader: a funder's tool with a national manager's key: `/api/v1/stats/summary` (national and one département)
  and `/api/v1/activities` (a page, then the next one through its cursor);
- HealthUser: the anchor phase only (`GET /api/v1/health`, no database), selected by run.py on the command line.

A run stops at its --run-time, or earlier once LOAD_MAX_REQUESTS answers are recorded. LOAD_THINK: seconds each user
waits between two tasks (0: as fast as the server answers, the load is then set by the number of users).
"""

import collections
import http.cookiejar
import itertools
import json
import os
import random
import re
import time
from pathlib import Path

import gevent
from django_otp.oath import totp
from locust import HttpUser, between, constant, events, task
from locust.exception import StopUser

SEED = json.loads(Path(os.environ["LOAD_SEED"]).read_text()) if os.environ.get("LOAD_SEED") else {}
OUT = os.environ.get("LOAD_OUT", "")
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "100000"))
THINK = float(os.environ.get("LOAD_THINK", "0"))

GROUPS = {
    "booking": "réservation",
    "dashboards": "tableaux de bord",
    "public_stats": "statistiques publiques",
    "api": "API",
    "login": "connexion",
    "health": "ancre /api/v1/health",
}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SESSION_CHOICE = re.compile(r'<input[^>]*name="session"[^>]*value="(\d+)"|<input[^>]*value="(\d+)"[^>]*name="session"')

_samples: list[tuple] = []  # (end time, name, duration ms, status, error)
_booked: list[tuple] = []  # (session, registration, status, waitlist rank) of each API booking answered 201
_marks: dict[str, float] = {}
_people = itertools.count(int(os.environ.get("LOAD_FIRST_PERSON", "0")))  # a new person for each booking
_slots = collections.defaultdict(itertools.count)  # per kind of user: the account or key each one takes
_runner = None

# The production settings mark the session and CSRF cookies Secure; the load runs on loopback in plain HTTP (TLS is
# ended by the reverse proxy in production), so this client sends them over HTTP, as a browser would over HTTPS.
# requests copies the session's cookies into a fresh jar for each request, with the default policy: hence the
# policy's method itself, in this client process only.
http.cookiejar.DefaultCookiePolicy.return_ok_secure = lambda self, cookie, request: True


@events.init.add_listener
def _init(environment, **kwargs):
    global _runner
    _runner = environment.runner


@events.test_start.add_listener
def _started(environment, **kwargs):
    _marks["start"] = time.time()


@events.spawning_complete.add_listener
def _spawned(user_count, **kwargs):
    _marks.setdefault("spawned", time.time())


@events.request.add_listener
def _recorded(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    error = None
    if exception is not None:
        error = str(exception)[:300]
    _samples.append((time.time(), name, round(response_time, 3), status, error))
    if len(_samples) == MAX_REQUESTS and _runner is not None:
        _marks["capped"] = time.time()
        _marks.setdefault("stop", time.time())
        gevent.spawn(_runner.quit)  # the bound in requests, beside --run-time's bound in time


@events.test_stopping.add_listener
def _stopping(environment, **kwargs):
    _marks.setdefault("stop", time.time())  # before the users finish their task under way (--stop-timeout)


@events.quitting.add_listener
def _write(environment, **kwargs):
    if OUT:
        with open(OUT, "w") as out:
            json.dump({"marks": _marks, "samples": _samples, "booked": _booked}, out, ensure_ascii=False)


class LoadUser(HttpUser):
    abstract = True
    wait_time = constant(THINK) if THINK <= 0 else between(THINK / 2, THINK * 1.5)

    def expect(self, response, status: int, contains: str | None = None, location: str | None = None):
        """Mark the answer as failed unless it has this status (and text, or redirect target)."""
        if response.status_code != status:
            response.failure(f"HTTP {response.status_code} au lieu de {status} : {response.text[:200]!r}")
        elif contains is not None and contains not in response.text:
            response.failure(f"réponse {status} sans « {contains} »")
        elif location is not None and location not in response.headers.get("Location", ""):
            response.failure(f"redirigé vers {response.headers.get('Location')!r} au lieu de {location!r}")
        else:
            response.success()

    def csrf(self, response) -> str:
        match = CSRF.search(response.text)
        return match.group(1) if match else ""

    def sign_in(self, email: str, password: str, next_url: str, totp_key: str | None = None) -> bool:
        """The login form (CSRF), then the second factor page when the account has a device."""
        with self.client.get(
            f"/compte/connexion/?next={next_url}", name="login:GET /compte/connexion/", catch_response=True
        ) as page:
            self.expect(page, 200, contains="csrfmiddlewaretoken")
        form = {"username": email, "password": password, "next": next_url, "csrfmiddlewaretoken": self.csrf(page)}
        with self.client.post(
            "/compte/connexion/",
            data=form,
            allow_redirects=False,
            name="login:POST /compte/connexion/",
            catch_response=True,
        ) as answer:
            self.expect(answer, 302, location="/compte/verification/" if totp_key else next_url)
        if answer.status_code != 302:
            return False
        if totp_key is None:
            return True
        verify_url = answer.headers["Location"]
        with self.client.get(verify_url, name="login:GET /compte/verification/", catch_response=True) as page:
            self.expect(page, 200, contains="csrfmiddlewaretoken")
        code = f"{totp(bytes.fromhex(totp_key)):06d}"
        form = {"code": code, "next": next_url, "csrfmiddlewaretoken": self.csrf(page)}
        with self.client.post(
            verify_url, data=form, allow_redirects=False, name="login:POST /compte/verification/", catch_response=True
        ) as answer:
            self.expect(answer, 302, location=next_url)
        return answer.status_code == 302


class PublicVisitor(LoadUser):
    weight = 6

    @task(4)
    def book(self):
        n = next(_people)
        # Each person from their own address, as our reverse proxy reports it (rate limit: 20 requests an hour).
        address = {"X-Forwarded-For": f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"}
        path = f"/ateliers/lieu/{SEED['site_id']}/"
        with self.client.get(
            path, headers=address, name="booking:GET /ateliers/lieu/{id}/", catch_response=True
        ) as page:
            self.expect(page, 200, contains="csrfmiddlewaretoken")
        sessions = [a or b for a, b in SESSION_CHOICE.findall(page.text)]
        if not sessions:
            return
        form = {
            "csrfmiddlewaretoken": self.csrf(page),
            "session": random.choice(sessions),
            "first_name": "Visiteur",
            "last_name": f"Charge {n}",
            "phone": f"06{50_000_000 + n:08d}",
            "birth_year": "1958",
            "consent": "on",
            "website": "",
        }
        with self.client.post(
            path,
            data=form,
            headers=address | {"Referer": self.host + path},
            name="booking:POST /ateliers/lieu/{id}/",
            catch_response=True,
        ) as answer:
            self.expect(answer, 200, contains="Votre demande est enregistrée")

    @task(1)
    def statistics(self):
        with self.client.get("/statistiques/", name="public_stats:GET /statistiques/", catch_response=True) as page:
            self.expect(page, 200)


class ApiBooker(LoadUser):
    weight = 4

    def on_start(self):
        keys = SEED["booking_keys"]  # one key per simulated partner tool
        self.client.headers["Authorization"] = f"Bearer {keys[next(_slots['booking']) % len(keys)]}"

    @task(6)
    def book(self):
        n = next(_people)
        session_id = random.choice(SEED["session_ids"])
        body = {
            "first_name": "Personne",
            "last_name": f"Charge {n}",
            "phone": f"06{10_000_000 + n:08d}",
            "birth_year": 1950,
        }
        with self.client.post(
            f"/api/v1/sessions/{session_id}/registrations",
            json=body,
            name="booking:POST /api/v1/sessions/{id}/registrations",
            catch_response=True,
        ) as answer:
            self.expect(answer, 201)
            if answer.status_code == 201:
                # For run.py's check in the database: every answer against the rows.
                booked = answer.json()
                _booked.append((session_id, booked["id"], booked["status"], booked["position"]))

    @task(1)
    def health(self):
        with self.client.get(
            "/api/v1/health", name="health:GET /api/v1/health (pendant la charge)", catch_response=True
        ) as answer:
            self.expect(answer, 200)


class NationalManager(LoadUser):
    weight = 2

    def on_start(self):
        accounts = SEED["national_managers"]
        account = accounts[next(_slots["national"]) % len(accounts)]
        if not self.sign_in(account["email"], SEED["password"], "/pilotage/", account["totp_key"]):
            raise StopUser()  # the failure is counted (login group); no user spinning without a session

    @task
    def national(self):
        with self.client.get("/pilotage/", name="dashboards:GET /pilotage/ (national)", catch_response=True) as page:
            self.expect(page, 200, contains="Tableau de bord national")

    @task
    def departement(self):
        code = random.choice(SEED["departements"])
        with self.client.get(
            f"/pilotage/departement/{code}/",
            name="dashboards:GET /pilotage/departement/{code}/ (national)",
            catch_response=True,
        ) as page:
            self.expect(page, 200)


class Coordinator(LoadUser):
    weight = 3

    def on_start(self):
        self.account = random.choice(SEED["coordinators"])
        self.path = f"/pilotage/departement/{self.account['departement']}/"
        if not self.sign_in(self.account["email"], SEED["password"], self.path):
            raise StopUser()

    @task
    def departement(self):
        with self.client.get(
            self.path, name="dashboards:GET /pilotage/departement/{code}/ (coordinateur)", catch_response=True
        ) as page:
            self.expect(page, 200)


class ApiReader(LoadUser):
    weight = 3

    def on_start(self):
        keys = SEED["reader_keys"]  # one key per simulated funder's tool
        self.client.headers["Authorization"] = f"Bearer {keys[next(_slots['reader']) % len(keys)]}"

    @task(2)
    def summary(self):
        with self.client.get(
            "/api/v1/stats/summary", name="api:GET /api/v1/stats/summary", catch_response=True
        ) as answer:
            self.expect(answer, 200)

    @task(1)
    def summary_departement(self):
        code = random.choice(SEED["departements"])
        with self.client.get(
            f"/api/v1/stats/summary?departement={code}",
            name="api:GET /api/v1/stats/summary?departement={code}",
            catch_response=True,
        ) as answer:
            self.expect(answer, 200)

    @task(2)
    def activities(self):
        with self.client.get(
            "/api/v1/activities?limit=100", name="api:GET /api/v1/activities", catch_response=True
        ) as answer:
            self.expect(answer, 200)
        cursor = answer.json().get("next") if answer.status_code == 200 else None
        if cursor:
            with self.client.get(
                "/api/v1/activities",
                params={"limit": 100, "cursor": cursor},
                name="api:GET /api/v1/activities?cursor=…",
                catch_response=True,
            ) as answer:
                self.expect(answer, 200)


class HealthUser(LoadUser):
    """The anchor phase alone (run.py names the classes of each phase on locust's command line)."""

    @task
    def health(self):
        with self.client.get("/api/v1/health", name="health:GET /api/v1/health", catch_response=True) as answer:
            self.expect(answer, 200)
