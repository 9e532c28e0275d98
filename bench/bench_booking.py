"""Bookings per second through the API, gunicorn (2 workers), two ways of booking, and zero overbooking.

    scripts/with-postgres.sh .venv/bin/python bench/bench_booking.py [--bookings 1500] [--hot-sessions 3]
    .venv/bin/python bench/bench_booking.py --sqlite [--bookings 1500]      # the embedded default

with-postgres.sh starts a throwaway PostgreSQL and sets DATABASE_URL; `--sqlite` uses a fresh SQLite file in a
temporary folder instead (WAL, busy timeout, IMMEDIATE transactions: tremplin/settings/base.py). The bench
migrates that fresh database, seeds one place, one mediator, the sessions of both modes, `--people` people
already recorded (finding a person by phone must not slow down as their number grows) and an API key,
starts gunicorn (production settings, 2 workers; `gthread` workers with `--threads` threads each, so that
connections are kept alive as behind a reverse proxy, or `--sync` for gunicorn's default worker, which closes
the connection after every answer) and fires `--bookings` bookings per mode
(`POST /api/v1/sessions/{id}/registrations`, a new person each time) from a pool of `--clients` threads, each
with its own keep-alive connection (http.client, standard library only):

- spread: the bookings go round-robin over `--sessions` sessions of `--capacity` seats, so that most sessions
  end up full with a waitlist; two bookings of one session rarely meet, the session lock is seldom waited for;
- hot: every client books the same `--hot-sessions` sessions of `--hot-capacity` seats at once (round-robin
  over them), so that every booking waits for the lock of its session: a few are confirmed, most waitlisted.

Anchor, measured before each mode with the same client pool against the same gunicorn: a trivial endpoint
(`GET /api/v1/health`, no database), the ceiling of this client + server pair. After each mode, every
session is checked in the database: confirmed ≤ capacity (zero overbooking), the waitlist ranks given in the
answers are 1..n for each session in the order of the waiting rows (no gap, no duplicate), and the answers
add up (201 only, as many "confirmed" answers as confirmed rows). The processor time used during the
bookings is read from /proc for gunicorn, PostgreSQL and this script (the clients), per booking: where the
time goes on a machine shared by all three. Latency per booking: median and 95th percentile, seen by a client.
Results: bench/results/booking-<date>-<hhmmss>[-sqlite].json and a section appended to bench/BOOKING_RESULTS.md.
"""

import argparse
import atexit
import datetime
import http.client
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
REPORT = ROOT / "bench" / "BOOKING_RESULTS.md"


def cpu_ticks(server_pid: int, database_port: int | None) -> dict[str, int]:
    """Processor time (clock ticks) used so far by this run's gunicorn (the master and its workers), its
    PostgreSQL (the postmaster listening on `database_port` and its backends) and this script, from /proc
    (Linux). Other processes of the machine (other test clusters, other servers) are left out."""
    parent, ticks_of, roots = {}, {}, {server_pid: "gunicorn", os.getpid(): "clients"}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:  # the process ended meanwhile
            continue
        pid = int(stat.parent.name)
        parent[pid] = int(fields[1])
        ticks_of[pid] = int(fields[11]) + int(fields[12])  # utime + stime
        if database_port and command[0].endswith(b"postgres") and b"-p" in command[:-1]:
            listening_on = command[command.index(b"-p") + 1]
            if listening_on == str(database_port).encode():
                roots[pid] = "postgresql"
    ticks = {"gunicorn": 0, "postgresql": 0, "clients": 0}
    for pid, used in ticks_of.items():
        ancestor = pid
        while ancestor not in roots and ancestor in parent and ancestor > 1:
            ancestor = parent[ancestor]
        if ancestor in roots:
            ticks[roots[ancestor]] += used
    return ticks


def wait_until_up(client, attempts: int = 100) -> None:
    """Until the server answers its health check (at most `attempts` × 0.1 s)."""
    for _ in range(attempts):
        try:
            if client.request("GET", "/api/v1/health")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)


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
        SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback, as from a reverse proxy that ends TLS and redirects
        # one key books thousands of times a minute here: the per-key limit (600/min in production) is lifted
        TREMPLIN_API_RATE=env.get("TREMPLIN_API_RATE", ""),
        TREMPLIN_API_PUBLIC_RATE=env.get("TREMPLIN_API_PUBLIC_RATE", ""),
    )
    return env


def seed(modes: dict[str, tuple[int, int]], people: int) -> tuple[dict[str, list[int]], str]:
    """Fresh place, mediator, programme, the sessions of each mode (count, capacity), `people` records already
    followed by La Poste, an API key (in this process, same database), then fresh planner statistics, as on a
    database in use."""
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
    ids, hour = {}, 0
    for mode, (count, capacity) in modes.items():
        ids[mode] = []
        for _ in range(count):
            session = services.session_create(
                programme=programme,
                mediator=mediator,
                site=site,
                starts_at=start + datetime.timedelta(hours=hour),
                capacity=capacity,
            )
            ids[mode].append(session.pk)
            hour += 1
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


def check(session_ids: list[int], positions: dict[int, dict[int, int]]) -> dict:
    """In the database, after a mode: seats per session, and the waitlist ranks given in the answers
    (`positions`: session → registration → rank) against the order of the waiting rows."""
    from django.db.models import Count, Q

    from tremplin.workshops.enums import RegistrationStatus
    from tremplin.workshops.models import Registration, Session

    rows = list(
        Session.objects.filter(pk__in=session_ids)
        .annotate(
            confirmed=Count("registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)),
            waitlisted=Count("registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)),
        )
        .values("pk", "capacity", "confirmed", "waitlisted")
    )
    waiting: dict[int, list[int]] = {pk: [] for pk in session_ids}
    for session_id, pk in (
        Registration.objects.filter(session_id__in=session_ids, status=RegistrationStatus.WAITLISTED)
        .order_by("session_id", "created_at", "pk")
        .values_list("session_id", "pk")
    ):
        waiting[session_id].append(pk)
    # Ranks 1..n, each once, in the order the rows wait in: no gap, no duplicate, no one overtaken.
    wrong_ranks = sum(
        1
        for pk in session_ids
        if positions.get(pk, {}) != {registration: rank for rank, registration in enumerate(waiting[pk], start=1)}
    )
    return {
        "sessions": len(rows),
        "overbooked_sessions": sum(1 for r in rows if r["confirmed"] > r["capacity"]),
        "sessions_with_wrong_waitlist_ranks": wrong_ranks,
        "confirmed_rows": sum(r["confirmed"] for r in rows),
        "waitlisted_rows": sum(r["waitlisted"] for r in rows),
        "seats": sum(r["capacity"] for r in rows),
    }


class Client:
    """One keep-alive connection per thread."""

    def __init__(self, port: int, key: str):
        self.port, self.key = port, key
        self.local = threading.local()

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes, float]:
        """(status, body, seconds) of one request, retried on a fresh connection if the kept one was closed."""
        start = time.perf_counter()
        for attempt in range(3):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}
            try:
                conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
                response = conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    self.local.conn = None
                return response.status, data, time.perf_counter() - start
            except (ConnectionError, http.client.HTTPException, OSError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        raise RuntimeError("unreachable")


def fire(client: Client, requests: list[tuple], clients: int) -> tuple[float, list[tuple[int, bytes, float]]]:
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        answers = list(pool.map(lambda r: client.request(*r), requests))
    return time.perf_counter() - start, answers


def percentile_ms(seconds: list[float], q: int) -> float:
    return round(statistics.quantiles(seconds, n=100, method="inclusive")[q - 1] * 1000, 1)


def run_mode(client: Client, args, session_ids: list[int], first_person: int, processes: tuple) -> dict:
    """Anchor, then `--bookings` bookings round-robin over `session_ids`, then the database check."""
    anchor_time, anchor_answers = fire(client, [("GET", "/api/v1/health")] * args.bookings, args.clients)
    refused = [(status, body[:200]) for status, body, _ in anchor_answers if status != 200]
    if refused:
        raise SystemExit(f"ancre : {len(refused)} réponses autres que 200, dont {refused[0]}")
    bookings = []
    for i in range(args.bookings):
        n = first_person + i
        session_id = session_ids[i % len(session_ids)]
        body = {"first_name": "Personne", "last_name": f"Bench {n}", "phone": f"06{n:08d}", "birth_year": 1950}
        bookings.append(("POST", f"/api/v1/sessions/{session_id}/registrations", body))
    ticks_before = cpu_ticks(*processes)
    booking_time, answers = fire(client, bookings, args.clients)
    ticks_after = cpu_ticks(*processes)

    statuses: dict[int, int] = {}
    confirmed_answers = waitlisted_answers = 0
    positions: dict[int, dict[int, int]] = {}
    errors = []
    for (_, path, _), (status, body, _) in zip(bookings, answers, strict=True):
        statuses[status] = statuses.get(status, 0) + 1
        if status != 201:
            errors.append(body[:200].decode(errors="replace"))
            continue
        answer = json.loads(body)
        confirmed_answers += answer["status"] == "confirmed"
        waitlisted_answers += answer["status"] == "waitlisted"
        if answer["position"] is not None:
            session_id = int(path.split("/")[-2])
            ranks = positions.setdefault(session_id, {})
            if answer["id"] in ranks:
                raise AssertionError(f"registration {answer['id']} answered twice")
            ranks[answer["id"]] = answer["position"]
    database = check(session_ids, positions)
    latencies = [seconds for _, _, seconds in answers]
    return {
        "sessions": len(session_ids),
        "bookings": args.bookings,
        "booking_seconds": round(booking_time, 3),
        "bookings_per_second": round(args.bookings / booking_time, 1),
        "latency_ms": {"p50": percentile_ms(latencies, 50), "p95": percentile_ms(latencies, 95)},
        "anchor": {
            "endpoint": "GET /api/v1/health",
            "requests": args.bookings,
            "seconds": round(anchor_time, 3),
            "requests_per_second": round(args.bookings / anchor_time, 1),
        },
        "cpu_ms_per_booking": {
            kind: round((ticks_after[kind] - ticks_before[kind]) * 1000 / os.sysconf("SC_CLK_TCK") / args.bookings, 2)
            for kind in ticks_after
        },
        "statuses": statuses,
        "first_errors": errors[:3],
        "confirmed_answers": confirmed_answers,
        "waitlisted_answers": waitlisted_answers,
        "database": database,
        "zero_overbooking": database["overbooked_sessions"] == 0
        and database["sessions_with_wrong_waitlist_ranks"] == 0
        and database["confirmed_rows"] == confirmed_answers
        and database["waitlisted_rows"] == waitlisted_answers
        and statuses == {201: args.bookings},
    }


def report_section(result: dict, args) -> str:
    engine = result["engine"]
    server_kind = "synchrones (sans keep-alive)" if args.sync else f"gthread à {args.threads} fils (keep-alive)"
    load = " / ".join(f"{x:.1f}" for x in result["machine"]["load_average"])
    rows = []
    for name, label in (("spread", "réparties"), ("hot", "séances chaudes")):
        mode = result["modes"].get(name)
        if mode is None:
            continue
        database = mode["database"]
        answers_text = ", ".join(f"{k} × {v}" for k, v in sorted(mode["statuses"].items()))
        cpu = mode["cpu_ms_per_booking"]
        cpu_text = " / ".join(f"{cpu[k]:.2f}" for k in ("gunicorn", "postgresql", "clients"))
        rows.append(
            f"| {label} : {mode['sessions']} séances de {mode['capacity']} places "
            f"| **{mode['bookings_per_second']}** | {mode['anchor']['requests_per_second']} "
            f"| {mode['latency_ms']['p50']} / {mode['latency_ms']['p95']} | {answers_text} "
            f"| {database['confirmed_rows']} / {database['waitlisted_rows']} "
            f"| **{database['overbooked_sessions']}** | {database['sessions_with_wrong_waitlist_ranks']} "
            f"| {cpu_text} |"
        )
    database_cpu = "PostgreSQL" if engine == "PostgreSQL" else "— (SQLite : dans gunicorn)"
    verdict = "oui" if all(m["zero_overbooking"] for m in result["modes"].values()) else "NON"
    return f"""
## {result["date"]} — {engine}, {args.bookings} inscriptions par mode, {args.people} personnes déjà suivies

Commande : `{result["command"]}`
(gunicorn {args.workers} workers {server_kind}, {args.clients} clients, {engine} ; {os.cpu_count()} cœurs
partagés par le serveur, la base et les clients ; charge de la machine au départ : {load})

| mode | inscriptions/s | ancre `GET /api/v1/health`/s | latence p50 / p95 (ms) | réponses \
| confirmées / en attente (base) | séances en surréservation | séances aux rangs d'attente faux \
| processeur par inscription : gunicorn / {database_cpu} / clients (ms) |
|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Zéro surréservation, rangs d'attente 1..n sans trou ni doublon, réponses cohérentes avec la base : {verdict}.
Résultat brut : `{result["file"]}`.
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bookings", type=int, default=1500, help="bookings per mode")
    parser.add_argument("--sessions", type=int, default=100, help="sessions of the spread mode")
    parser.add_argument("--capacity", type=int, default=10, help="seats per session of the spread mode")
    parser.add_argument("--hot-sessions", type=int, default=3, help="sessions of the hot mode (0: no hot mode)")
    parser.add_argument("--hot-capacity", type=int, default=20, help="seats per session of the hot mode")
    parser.add_argument("--no-spread", action="store_true", help="the hot mode only")
    parser.add_argument("--people", type=int, default=20000, help="people already recorded before the bookings")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--sync", action="store_true", help="gunicorn's sync worker (no keep-alive) instead")
    parser.add_argument("--sqlite", action="store_true", help="a fresh SQLite file instead of PostgreSQL")
    parser.add_argument("--no-record", action="store_true", help="print the result only (a trial run)")
    args = parser.parse_args()
    modes = {}
    if not args.no_spread:
        modes["spread"] = (args.sessions, args.capacity)
    if args.hot_sessions > 0:
        modes["hot"] = (args.hot_sessions, args.hot_capacity)
    if not modes:
        sys.exit("Aucun mode : --no-spread avec --hot-sessions 0")
    if args.sqlite:
        scratch = tempfile.mkdtemp(prefix="tremplin-bench-")
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)  # whatever the outcome
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench.sqlite3"
        engine, launcher = "SQLite", ".venv/bin/python"
    elif os.environ.get("DATABASE_URL", "").startswith("postgres"):
        engine, launcher = "PostgreSQL", "scripts/with-postgres.sh .venv/bin/python"
    else:
        sys.exit("DATABASE_URL doit désigner PostgreSQL (lancer via scripts/with-postgres.sh), ou passer --sqlite")
    load_at_start = list(os.getloadavg())
    env = environment()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    session_ids, key = seed(modes, args.people)

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
    processes = (server.pid, None if args.sqlite else urllib.parse.urlsplit(os.environ["DATABASE_URL"]).port)
    results = {}
    try:
        client = Client(port, key)
        wait_until_up(client)
        # Warm-up: import paths, connections of both workers, query plans.
        first = next(iter(session_ids.values()))[0]
        fire(client, [("GET", "/api/v1/health")] * 200 + [("GET", f"/api/v1/sessions/{first}")] * 50, args.clients)
        for number, mode in enumerate(modes):
            results[mode] = run_mode(
                client, args, session_ids[mode], first_person=number * args.bookings, processes=processes
            )
            results[mode]["capacity"] = modes[mode][1]
    finally:
        server.terminate()
        server.wait(timeout=30)

    now = datetime.datetime.now()
    date = now.date().isoformat()
    out = RESULTS / f"booking-{date}-{now:%H%M%S}{'-sqlite' if args.sqlite else ''}.json"
    result = {
        "date": date,
        "engine": engine,
        "command": f"{launcher} bench/bench_booking.py " + " ".join(sys.argv[1:]),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load_average": load_at_start},
        "gunicorn": {
            "workers": args.workers,
            "worker_class": "sync" if args.sync else "gthread",
            "threads": args.threads,
        },
        "clients": args.clients,
        "people_before": args.people,
        "modes": results,
        "file": str(out.relative_to(ROOT)),
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if not args.no_record:
        RESULTS.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        if not REPORT.exists():
            REPORT.write_text(
                "# Banc d'essai des inscriptions (`bench/bench_booking.py`)\n\n"
                "Chaque exécution ajoute une section. Voir la docstring du script pour la méthode.\n"
            )
        with REPORT.open("a") as report:
            report.write(report_section(result, args))
    if not all(mode["zero_overbooking"] for mode in results.values()):
        sys.exit("SURRÉSERVATION, rangs d'attente faux ou réponses incohérentes")


if __name__ == "__main__":
    main()
