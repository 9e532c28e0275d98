"""Bookings per second through the API, gunicorn (2 workers) on PostgreSQL, and zero overbooking.

    scripts/with-postgres.sh .venv/bin/python bench/bench_booking.py [--bookings 3000] [--sessions 100]

with-postgres.sh starts a throwaway PostgreSQL and sets DATABASE_URL. The bench migrates that fresh
database, seeds one place, one mediator, `--sessions` sessions of `--capacity` seats, `--people` people
already recorded (finding a person by phone must not slow down as their number grows) and an API key,
starts gunicorn (production settings, 2 workers; `gthread` workers with `--threads` threads each, so that
connections are kept alive as behind a reverse proxy, or `--sync` for gunicorn's default worker, which closes
the connection after every answer) and fires `--bookings` bookings
(`POST /api/v1/sessions/{id}/registrations`, a new person each time, spread over the sessions so that
most sessions end up full with a waitlist) from a pool of `--clients` threads, each with its own
keep-alive connection (http.client, standard library only).

Anchor, measured in the same run with the same client pool against the same gunicorn: a trivial
endpoint (`GET /api/v1/health`, no database) — the ceiling of this client + server pair.
Then every session is checked in the database: confirmed ≤ capacity (zero overbooking), and the
answers must add up (201 only, as many "confirmed" answers as confirmed rows).
The processor time used during the bookings is read from /proc for gunicorn, PostgreSQL and this script
(the clients), per booking: where the time goes on a machine shared by all three.
Results: bench/results/booking-<date>.json and a section appended to bench/BOOKING_RESULTS.md.
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
REPORT = ROOT / "bench" / "BOOKING_RESULTS.md"


def cpu_ticks() -> dict[str, int]:
    """Processor time (clock ticks) used so far by gunicorn, PostgreSQL and this script, from /proc (Linux)."""
    ticks = {"gunicorn": 0, "postgresql": 0, "clients": 0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().split(b"\0")[:2]
        except OSError:  # the process ended meanwhile
            continue
        if stat.parent.name == str(os.getpid()):
            kind = "clients"
        elif any(b"gunicorn" in part for part in command):
            kind = "gunicorn"
        elif command and command[0].startswith(b"postgres"):
            kind = "postgresql"
        else:
            continue
        ticks[kind] += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment() -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tremplin.settings.prod",
        SECRET_KEY=env.get("SECRET_KEY", "bench-only-not-secret"),
        TREMPLIN_CONTACT_PHONE=env.get("TREMPLIN_CONTACT_PHONE", "01 00 00 00 00"),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CONN_MAX_AGE="60",
        LOG_LEVEL="ERROR",
    )
    return env


def seed(sessions: int, capacity: int, people: int) -> tuple[list[int], str]:
    """Fresh place, mediator, programme, sessions, `people` records already followed by La Poste, an API key
    (in this process, same database), then fresh planner statistics, as on a database in use."""
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from tremplin.accounts.enums import Role
    from tremplin.accounts.models import User
    from tremplin.accounts.tokens import api_token_create
    from tremplin.beneficiaries.models import Beneficiary, name_key
    from tremplin.network.enums import OrganisationKind, SiteKind, SiteSource
    from tremplin.network.models import Organisation, Site
    from tremplin.workshops import services

    la_poste, _ = Organisation.objects.get_or_create(name="La Poste", defaults={"kind": OrganisationKind.LA_POSTE})
    site = Site.objects.create(  # a post office belongs to La Poste, as every imported one does
        source=SiteSource.MANUAL,
        external_id="bench-1",
        name="BUREAU BENCH",
        kind=SiteKind.POST_OFFICE,
        organisation=la_poste,
    )
    mediator = User.objects.create_user("bench@tremplin.test", None, role=Role.MEDIATOR, organisation=la_poste)
    mediator.sites.set([site])
    programme = services.seed_catalogue()[0]
    start = timezone.now() + datetime.timedelta(days=7)
    ids = [
        services.session_create(
            programme=programme,
            mediator=mediator,
            site=site,
            starts_at=start + datetime.timedelta(hours=i),
            capacity=capacity,
        ).pk
        for i in range(sessions)
    ]
    _, key = api_token_create(user=mediator, label="bench")
    Beneficiary.objects.bulk_create(
        Beneficiary(
            organisation=la_poste,
            first_name="Déjà",
            last_name=f"Suivie {i}",
            name_key=name_key("Déjà", f"Suivie {i}"),
            mobile_phone=f"07{i:08d}",
        )
        for i in range(people)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return ids, key


def check(session_ids: list[int]) -> dict:
    from django.db.models import Count, Q

    from tremplin.workshops.models import Session

    rows = (
        Session.objects.filter(pk__in=session_ids)
        .annotate(
            confirmed=Count("registrations", filter=Q(registrations__status="confirmed")),
            waitlisted=Count("registrations", filter=Q(registrations__status="waitlisted")),
        )
        .values("pk", "capacity", "confirmed", "waitlisted")
    )
    rows = list(rows)
    return {
        "sessions": len(rows),
        "overbooked_sessions": sum(1 for r in rows if r["confirmed"] > r["capacity"]),
        "confirmed_rows": sum(r["confirmed"] for r in rows),
        "waitlisted_rows": sum(r["waitlisted"] for r in rows),
        "seats": sum(r["capacity"] for r in rows),
    }


class Client:
    """One keep-alive connection per thread."""

    def __init__(self, port: int, key: str):
        self.port, self.key = port, key
        self.local = threading.local()

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        for attempt in range(3):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}
            try:
                conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
                response = conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    self.local.conn = None
                return response.status, data
            except (ConnectionError, http.client.HTTPException, OSError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        raise RuntimeError("unreachable")


def fire(client: Client, requests: list[tuple], clients: int) -> tuple[float, list[tuple[int, bytes]]]:
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        answers = list(pool.map(lambda r: client.request(*r), requests))
    return time.perf_counter() - start, answers


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bookings", type=int, default=3000)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--capacity", type=int, default=10)
    parser.add_argument("--people", type=int, default=20000, help="people already recorded before the bookings")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--sync", action="store_true", help="gunicorn's sync worker (no keep-alive) instead")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("DATABASE_URL doit désigner PostgreSQL : lancer via scripts/with-postgres.sh")
    load_at_start = list(os.getloadavg())
    env = environment()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    session_ids, key = seed(args.sessions, args.capacity, args.people)

    port = free_port()
    gunicorn = [
        str(Path(sys.executable).parent / "gunicorn"),
        "tremplin.wsgi:application",
        f"--workers={args.workers}",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        "--keep-alive=30",
    ]
    if not args.sync:
        gunicorn += ["--worker-class=gthread", f"--threads={args.threads}"]
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
    try:
        client = Client(port, key)
        for _ in range(100):
            try:
                if client.request("GET", "/api/v1/health")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        # Warm-up: import paths, connections of both workers, query plans.
        fire(
            client,
            [("GET", "/api/v1/health")] * 200 + [("GET", f"/api/v1/sessions/{session_ids[0]}")] * 50,
            args.clients,
        )

        anchor_n = args.bookings
        anchor_time, anchor_answers = fire(client, [("GET", "/api/v1/health")] * anchor_n, args.clients)
        assert all(status == 200 for status, _ in anchor_answers)

        bookings = [
            (
                "POST",
                f"/api/v1/sessions/{session_ids[i % len(session_ids)]}/registrations",
                {"first_name": "Personne", "last_name": f"Bench {i}", "phone": f"06{i:08d}", "birth_year": 1950},
            )
            for i in range(args.bookings)
        ]
        ticks_before = cpu_ticks()
        booking_time, answers = fire(client, bookings, args.clients)
        ticks_after = cpu_ticks()
    finally:
        server.terminate()
        server.wait(timeout=30)

    statuses = {}
    confirmed_answers = waitlisted_answers = 0
    for status, body in answers:
        statuses[status] = statuses.get(status, 0) + 1
        if status == 201:
            kind = json.loads(body)["status"]
            confirmed_answers += kind == "confirmed"
            waitlisted_answers += kind == "waitlisted"
    database = check(session_ids)
    result = {
        "date": datetime.date.today().isoformat(),
        "command": "scripts/with-postgres.sh .venv/bin/python bench/bench_booking.py " + " ".join(sys.argv[1:]),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load_average": load_at_start},
        "gunicorn": {
            "workers": args.workers,
            "worker_class": "sync" if args.sync else "gthread",
            "threads": args.threads,
        },
        "clients": args.clients,
        "sessions": args.sessions,
        "people_before": args.people,
        "capacity": args.capacity,
        "bookings": args.bookings,
        "booking_seconds": round(booking_time, 3),
        "bookings_per_second": round(args.bookings / booking_time, 1),
        "anchor": {
            "endpoint": "GET /api/v1/health",
            "requests": anchor_n,
            "seconds": round(anchor_time, 3),
            "requests_per_second": round(anchor_n / anchor_time, 1),
        },
        "cpu_ms_per_booking": {
            kind: round((ticks_after[kind] - ticks_before[kind]) * 1000 / os.sysconf("SC_CLK_TCK") / args.bookings, 2)
            for kind in ticks_after
        },
        "statuses": statuses,
        "confirmed_answers": confirmed_answers,
        "waitlisted_answers": waitlisted_answers,
        "database": database,
        "zero_overbooking": database["overbooked_sessions"] == 0
        and database["confirmed_rows"] == confirmed_answers
        and statuses == {201: args.bookings},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"booking-{result['date']}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    ratio = result["bookings_per_second"] / result["anchor"]["requests_per_second"]
    server_kind = "synchrones (sans keep-alive)" if args.sync else f"gthread à {args.threads} fils (keep-alive)"
    answers_text = ", ".join(f"{k} × {v}" for k, v in sorted(statuses.items()))
    reached = result["bookings_per_second"] >= 200 and result["zero_overbooking"]
    cpu_text = " / ".join(f"{result['cpu_ms_per_booking'][k]:.2f}" for k in ("gunicorn", "postgresql", "clients"))
    load = " / ".join(f"{x:.1f}" for x in result["machine"]["load_average"])
    section = f"""
## {result["date"]} — {args.bookings} inscriptions, {args.sessions} séances de {args.capacity} places, \
{args.people} personnes déjà suivies

Commande : `{result["command"]}`
(gunicorn {args.workers} workers {server_kind}, {args.clients} clients, PostgreSQL ; {os.cpu_count()} cœurs
partagés par le serveur, la base et les clients ; charge de la machine au départ : {load})

| mesure | valeur |
|---|---|
| inscriptions par seconde (`POST /api/v1/sessions/{{id}}/registrations`) | **{result["bookings_per_second"]}** |
| ancre : `GET /api/v1/health` par seconde (sans base) | {result["anchor"]["requests_per_second"]} |
| inscriptions / ancre | {ratio:.0%} |
| réponses | {answers_text} |
| confirmées / en liste d'attente (réponses) | {confirmed_answers} / {waitlisted_answers} |
| séances en surréservation (base) | **{database["overbooked_sessions"]}** sur {database["sessions"]} |
| places confirmées en base / places offertes | {database["confirmed_rows"]} / {database["seats"]} |
| processeur par inscription : gunicorn / PostgreSQL / clients | {cpu_text} ms |

Objectif : ≥ 200 inscriptions/s et zéro surréservation — {"atteint" if reached else "NON atteint"}.
Résultat brut : `{out.relative_to(ROOT)}`.
"""
    if not REPORT.exists():
        REPORT.write_text(
            "# Banc d'essai des inscriptions (`bench/bench_booking.py`)\n\n"
            "Chaque exécution ajoute une section. Voir la docstring du script pour la méthode.\n"
        )
    with REPORT.open("a") as report:
        report.write(section)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if not result["zero_overbooking"]:
        sys.exit("SURRÉSERVATION ou réponses incohérentes")


if __name__ == "__main__":
    main()
