"""The checks of scripts/scale-proof.sh (run by it, with its environment: production settings, DATABASE_URL on the
primary, DATABASE_REPLICA_URL on the replica).

    scale_proof_client.py seed > seed.json      # place, mediator, session, activities, API key (on the primary)
    scale_proof_client.py check --seed seed.json --web-a URL --web-b URL --primary-log F --replica-log F ...

Each check prints « OK : … » or stops with « ÉCHEC : … » (exit status 1). HTTP through the standard library, with
the Host a load balancer would pass (tremplin.test) and the cookies kept by hand, as a browser behind HTTPS would."""

import argparse
import http.client
import json
import os
import re
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "tremplin.test"
PASSWORD = "mot-de-passe-solide-42"  # tests/factories.py
BOOKINGS = 4


class Failed(Exception):
    pass


def ok(message: str) -> None:
    print(f"OK : {message}", flush=True)


def expect(condition, message: str) -> None:
    if not condition:
        raise Failed(message)


def setup_django(application: str) -> None:
    os.environ["PGAPPNAME"] = application  # the name of this process in the PostgreSQL logs
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- seed ---------------------------------------------------------------------------------------------------------


def seed() -> None:
    setup_django("seed")
    import datetime

    from tests.activities.factories import ActivityFactory
    from tests.beneficiaries.factories import BeneficiaryFactory
    from tests.factories import OrganisationFactory, SiteFactory, UserFactory
    from tests.workshops.factories import SessionFactory
    from tremplin.accounts.enums import Role
    from tremplin.accounts.tokens import api_token_create

    la_poste = OrganisationFactory(la_poste=True)
    site = SiteFactory(organisation=la_poste, name="BUREAU DE LA PREUVE")
    mediator = UserFactory(role=Role.MEDIATOR, organisation=la_poste, sites=[site], email="preuve@tremplin.test")
    session = SessionFactory(site=site, mediator=mediator, capacity=10)
    people = [BeneficiaryFactory(organisation=la_poste, site=site) for _ in range(3)]
    today = datetime.date.today()
    for n, person in enumerate(people):
        ActivityFactory(
            organisation=la_poste,
            site=site,
            mediator=mediator,
            people=[person],
            date=today - datetime.timedelta(days=n + 1),
        )
    _, key = api_token_create(user=mediator, label="preuve")
    json.dump(
        {"mediator": mediator.pk, "email": mediator.email, "session": session.pk, "key": key, "activities": 3},
        sys.stdout,
    )


# --- HTTP ---------------------------------------------------------------------------------------------------------


class Browser:
    """Cookies by hand (the session cookie is Secure: a client library would not send it over plain HTTP)."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, base: str, method: str, path: str, *, form=None, payload=None, headers=None):
        url = urllib.parse.urlsplit(base)
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        sent = {"Host": HOST, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif payload is not None:
            body = json.dumps(payload)
            sent["Content-Type"] = "application/json"
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""'):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response.status, response.headers, data.decode("utf-8", errors="replace")


def wait_ready(base: str, deadline: float) -> None:
    while True:
        try:
            status, _, _ = Browser().request(base, "GET", "/api/v1/health")
            if status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise Failed(f"{base} ne répond pas")
        time.sleep(0.2)


# --- PostgreSQL ---------------------------------------------------------------------------------------------------


class Log:
    """A PostgreSQL statement log, read from a position on."""

    def __init__(self, path: str):
        self.path = Path(path)
        self.position = 0

    def mark(self) -> None:
        time.sleep(0.2)  # the server writes its log line as it runs the statement
        self.position = self.path.stat().st_size

    def since(self) -> list[str]:
        time.sleep(0.2)
        with self.path.open("rb") as handle:
            handle.seek(self.position)
            return handle.read().decode("utf-8", errors="replace").splitlines()


STATEMENT = re.compile(r" app=(\S*) .*?(?:statement|execute [^:]*): (.*)$")


def statements(lines: list[str], application: str) -> list[str]:
    found = []
    for line in lines:
        match = STATEMENT.search(line)
        if match and match.group(1) == application:
            found.append(match.group(2))
    return found


def replica_connection(url: str):
    import psycopg

    return psycopg.connect(url, application_name="preuve", autocommit=True)


def wait_replayed(replica, deadline_seconds: float = 10) -> float:
    """Waits until the replica has replayed everything the primary has written so far; returns the wait (s)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    start = time.monotonic()
    while True:
        if replica.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()[0]:
            return time.monotonic() - start
        if time.monotonic() - start > deadline_seconds:
            raise Failed("la réplique ne rattrape pas la principale")
        time.sleep(0.05)


# --- check --------------------------------------------------------------------------------------------------------


def check(args) -> None:
    setup_django("preuve")
    import psycopg
    from django.conf import settings
    from django_tasks_db.models import DBTaskResult

    from tremplin.notifications.enums import NotificationStatus
    from tremplin.notifications.models import Notification
    from tremplin.reporting import aggregates
    from tremplin.reporting.models import PendingActivity, PendingPerson

    data = json.loads(Path(args.seed).read_text())
    deadline = time.monotonic() + 60
    wait_ready(args.web_a, deadline)
    wait_ready(args.web_b, deadline)
    ok("les deux processus web répondent (GET /api/v1/health)")

    replica = replica_connection(args.replica_url)
    expect(replica.execute("SELECT pg_is_in_recovery()").fetchone()[0], "la réplique n'est pas en lecture seule")
    try:
        replica.execute("CREATE TABLE preuve_ecriture (n int)")
        raise Failed("une écriture a réussi sur la réplique")
    except psycopg.errors.ReadOnlySqlTransaction:
        pass
    ok("la réplique suit la principale en flux et refuse toute écriture (read-only transaction)")

    # 1. A login on A is valid on B.
    browser = Browser()
    status, _, page = browser.request(args.web_a, "GET", "/compte/connexion/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    expect(status == 200 and token, f"page de connexion sur A : {status}")
    form = {"csrfmiddlewaretoken": token.group(1), "username": data["email"], "password": PASSWORD}
    status, headers, _ = browser.request(args.web_a, "POST", "/compte/connexion/", form=form)
    expect(status == 302 and "sessionid" in browser.cookies, f"connexion sur A : {status} {headers.get('Location')}")
    ok("connexion faite sur le processus web A")

    # 2. The dashboard, asked of B with that session: served, and its figures read from the replica.
    # The statistics aggregates folded in first (the workers' task does it too), so that the dashboard only reads.
    aggregates.refresh()
    expect(not PendingActivity.objects.exists() and not PendingPerson.objects.exists(), "agrégats pas à jour")
    waited = wait_replayed(replica)
    primary_log, replica_log = Log(args.primary_log), Log(args.replica_log)
    primary_log.mark()
    replica_log.mark()
    dashboard = f"/pilotage/mediateur/{data['mediator']}/"
    status, headers, page = browser.request(args.web_b, "GET", dashboard)
    expect(status == 200, f"tableau de bord sur B : {status} {headers.get('Location')}")
    expect("Mon activité" in page, "le tableau de bord sur B n'est pas celui du médiateur connecté sur A")
    ok(f"la session ouverte sur A est reconnue par B : GET {dashboard} → 200 « Mon activité »")
    on_replica = statements(replica_log.since(), "web-b")
    on_primary = statements(primary_log.since(), "web-b")
    figures_on_replica = [s for s in on_replica if "activities_" in s or "reporting_" in s]
    figures_on_primary = [s for s in on_primary if "activities_" in s or "reporting_" in s]
    expect(figures_on_replica, "aucune requête des statistiques sur la réplique")
    expect(not figures_on_primary, f"requêtes des statistiques sur la principale : {figures_on_primary[:2]}")
    ok(
        f"les chiffres du tableau de bord viennent de la réplique : {len(on_replica)} requêtes de web-b sur la "
        f"réplique (dont {len(figures_on_replica)} sur les activités et agrégats), {len(on_primary)} sur la "
        f"principale (session, compte), aucune des statistiques ; réplique à jour en {waited * 1000:.0f} ms"
    )

    # 3. Bookings through A, seen at once through B.
    api = {"Authorization": f"Bearer {data['key']}"}
    client = Browser()
    registrations = []
    for n in range(BOOKINGS):
        person = {"first_name": "Preuve", "last_name": f"Inscription {n}", "phone": f"061234560{n}", "birth_year": 1950}
        status, _, body = client.request(
            args.web_a, "POST", f"/api/v1/sessions/{data['session']}/registrations", payload=person, headers=api
        )
        expect(status == 201, f"inscription par A : {status} {body[:300]}")
        registrations.append(json.loads(body)["id"])
    status, _, body = client.request(args.web_b, "GET", f"/api/v1/sessions/{data['session']}", headers=api)
    expect(status == 200, f"séance lue par B : {status} {body[:300]}")
    expect(json.loads(body)["confirmed"] == BOOKINGS, f"B ne voit pas les inscriptions faites par A : {body[:300]}")
    ok(f"{BOOKINGS} inscriptions faites par A (POST /api/v1/…/registrations), vues aussitôt par B (« confirmed »)")
    wait_replayed(replica)
    replicated = replica.execute(
        "SELECT count(*) FROM workshops_registration WHERE id = ANY(%s)", [registrations]
    ).fetchone()[0]
    expect(replicated == BOOKINGS, "les inscriptions ne sont pas arrivées sur la réplique")
    ok("les inscriptions écrites sur la principale sont arrivées sur la réplique")

    # 4. The messages they queued: each task run once, by one of the two workers.
    notifications = list(Notification.objects.filter(registration_id__in=registrations))
    expect(notifications, "aucun message mis en file par les inscriptions")
    while Notification.objects.filter(pk__in=[n.pk for n in notifications], status=NotificationStatus.QUEUED).exists():
        expect(time.monotonic() < deadline + 30, "les messages ne sont pas envoyés par les travailleurs")
        time.sleep(0.2)
    workers = {}
    sms_folder = Path(args.sms)
    for notification in Notification.objects.filter(pk__in=[n.pk for n in notifications]):
        expect(notification.status == NotificationStatus.SENT, f"message {notification.pk} : {notification.status}")
        expect(notification.attempts == 1, f"message {notification.pk} : {notification.attempts} essais")
        runs = [
            task
            for task in DBTaskResult.objects.filter(task_path__endswith="notification_send_task")
            if task.args_kwargs.get("args") == [notification.pk]
        ]
        expect(len(runs) == 1, f"message {notification.pk} : {len(runs)} tâches")
        expect(runs[0].status == "SUCCESSFUL", f"tâche du message {notification.pk} : {runs[0].status}")
        expect(len(runs[0].worker_ids) == 1, f"tâche du message {notification.pk} : {runs[0].worker_ids}")
        files = list(sms_folder.glob(f"*-notification-{notification.pk}.txt"))
        expect(len(files) == 1, f"message {notification.pk} : {len(files)} SMS écrits")
        workers[runs[0].worker_ids[0]] = workers.get(runs[0].worker_ids[0], 0) + 1
    expect(set(workers) <= {"tw-worker-1", "tw-worker-2"}, f"travailleurs inconnus : {workers}")
    shares = ", ".join(f"{name} : {count}" for name, count in sorted(workers.items()))
    ok(
        f"{len(notifications)} SMS mis en file par A, chacun envoyé une seule fois par un des deux travailleurs "
        f"({shares})"
    )

    # 5. Nothing was written on the replica, by anyone.
    writes = [
        line
        for line in Path(args.replica_log).read_text(errors="replace").splitlines()
        if re.search(r"(statement|execute [^:]*): (INSERT|UPDATE|DELETE)", line)
        or ("read-only transaction" in line and "app=preuve" not in line)
    ]
    expect(not writes, f"écritures sur la réplique : {writes[:2]}")
    ok("aucune écriture envoyée à la réplique (journal des requêtes de la réplique)")

    # 6. Shared state: sessions in the database (and Redis), structured logs.
    from django.contrib.sessions.models import Session

    expect(Session.objects.filter(session_key=browser.cookies["sessionid"]).exists(), "session absente de la base")
    where = "PostgreSQL"
    if os.environ.get("REDIS_URL"):
        import redis

        keys = redis.Redis.from_url(os.environ["REDIS_URL"]).keys("*" + browser.cookies["sessionid"])
        expect(keys and settings.SESSION_ENGINE.endswith("cached_db"), "session absente de Redis")
        where = "PostgreSQL et Redis"
    ok(f"la session est dans {where}, partagée par tous les processus ; aucun fichier local")
    for name in ("web-a", "web-b"):
        lines = [line for line in (Path(args.logs) / f"{name}.log").read_text().splitlines() if line.strip()]
        try:
            entries = [json.loads(line) for line in lines]
        except json.JSONDecodeError as error:
            raise Failed(f"{name} : ligne de journal qui n'est pas du JSON ({error})") from error
        access = [e for e in entries if e.get("logger") == "gunicorn.access"]
        expect(access and all("status" in e for e in access), f"{name} : pas de journal d'accès JSON")
    ok("les processus web écrivent leurs journaux en lignes JSON (accès : méthode, chemin, statut, durée)")


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("seed")
    checking = sub.add_parser("check")
    for name in ("--seed", "--web-a", "--web-b", "--primary-log", "--replica-log", "--logs", "--sms", "--replica-url"):
        checking.add_argument(name, required=True)
    args = parser.parse_args()
    if args.command == "seed":
        seed()
        return
    try:
        check(args)
    except Failed as failure:
        print(f"ÉCHEC : {failure}", flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
