"""Load test: booking, dashboards, public statistics and the API at once, through gunicorn on PostgreSQL (locust).

    scripts/with-postgres.sh .venv/bin/python bench/load/run.py [--users 20 --spawn-rate 5 --run-time 60]
        [--mediators 200 --beneficiaries 100000 --activities 500000 --seed 1] [--workers 3 --threads 2]
        [--think 0] [--max-requests 100000] [--api-rate 100000/m] [--fresh-static] [--no-record]

with-postgres.sh starts a throwaway PostgreSQL (loopback, free port) and sets DATABASE_URL. The run:

1. migrates that fresh database, collects the static files (production storage: the pages' {% static %} need its
   manifest; kept in var/load-static/ and collected again only when a source file changed), fills the database
   with `manage.py generate_load` (the volumes above: a synthetic national network with its pre-aggregated
   statistics), then seeds, with bench/bench_booking.py's `seed` (imported, not
   copied): a place with `--sessions` upcoming sessions of `--capacity` seats, its mediator and that mediator's
   API key, `--people` people already recorded; and sets a password on the national manager and coordinators of
   the load, gives one national manager account with a confirmed TOTP device to each simulated national manager
   (a TOTP code is accepted once per device), and an API key to the national manager (the funders' tool);
2. starts gunicorn with the production settings (tremplin.settings.prod, `--workers` gthread workers of `--threads`
   threads, keep-alive, plain HTTP on loopback as behind a reverse proxy that ends TLS, trusting one proxy: each
   visitor of the public booking page comes from their own address in X-Forwarded-For, as nginx writes it, so the
   public page's rate limit per address applies as in production); its log (tracebacks of any 5xx) is kept;
3. anchor: locust's HealthUser alone (`GET /api/v1/health`, no database), the same users, spawn rate and duration
   as the load: the ceiling of this client + server pair on this machine, in the same run;
4. load: locust with the users of bench/load/locustfile.py (public booking page and form, API bookings,
   national manager and coordinator signed in through the real login form and second factor, public statistics,
   `/api/v1/stats/summary`, `/api/v1/activities`), `--users` users spawned at `--spawn-rate` per second, for
   `--run-time` seconds or `--max-requests` answers, whichever comes first;
5. checks in the database: no session above its capacity, waitlist ranks given in the API answers 1..n in the order
   of the waiting rows, as many confirmed / waitlisted rows as answers, as many public requests as pages that
   said « Votre demande est enregistrée ».

Throughput and percentiles are computed from every answer (its end time and duration, recorded by the locustfile)
once all users are running (ramp-up left out), per endpoint and per group; errors count every answer of the phase
(sign-in included). Processor time per request of gunicorn, PostgreSQL and the clients (locust) from /proc.
Results: bench/results/load-<date>-<hhmmss>.json (with the Markdown table), the table printed; exit status 1 on any
error, 5xx (its traceback copied next to the JSON as load-<date>-<hhmmss>-gunicorn.log) or failed check.
"""

import argparse
import atexit
import collections
import datetime
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_booking import (  # noqa: E402
    Client,
    check,
    cpu_ticks,
    environment,
    free_port,
    percentile_ms,
    seed,
    wait_until_up,
)

RESULTS = ROOT / "bench" / "results"
STATIC_CACHE = ROOT / "var" / "load-static"  # var/ is not versioned
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
PASSWORD = "Charge-Tremplin-2026!"  # throwaway database only
MIX = ["PublicVisitor", "ApiBooker", "NationalManager", "Coordinator", "ApiReader"]
GROUPS = {
    "booking": "réservation",
    "dashboards": "tableaux de bord",
    "public_stats": "statistiques publiques",
    "api": "API",
    "health": "ancre /api/v1/health pendant la charge",
    "login": "connexion (hors débit)",
}


def manage(*args: str, env: dict) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)
    return round(time.perf_counter() - started, 1)


def static_files(fresh: bool) -> float:
    """The production storage needs collectstatic's manifest, and compressing every file takes minutes: the files
    are collected once into STATIC_CACHE and collected again only when a source file is newer (or --fresh-static);
    the scratch folder's static/ points there."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    manifest = STATIC_CACHE / "staticfiles.json"
    newest = max(
        os.stat(storage.path(path)).st_mtime for finder in get_finders() for path, storage in finder.list(["CVS"])
    )
    Path(settings.STATIC_ROOT).parent.mkdir(parents=True, exist_ok=True)
    Path(settings.STATIC_ROOT).symlink_to(STATIC_CACHE, target_is_directory=True)
    if not fresh and manifest.exists() and manifest.stat().st_mtime >= newest:
        return 0.0
    shutil.rmtree(STATIC_CACHE, ignore_errors=True)
    STATIC_CACHE.mkdir(parents=True)
    return manage("collectstatic", "--noinput", "-v", "0", env=dict(os.environ))


def seed_accounts(load_seed: int, users: int, departements: int) -> dict:
    """Passwords, second factors and API keys on the accounts of generate_load, more keys for the booking place's
    mediator (in this process, same database): one national manager account, one reader key and one booking key
    per simulated user at most, as many tools and people as users."""
    from django.contrib.auth.hashers import make_password
    from django.db.models import Count
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tremplin.accounts.enums import Role
    from tremplin.accounts.models import User
    from tremplin.accounts.tokens import api_token_create
    from tremplin.activities.models import Activity
    from tremplin.reporting.load import EMAIL_DOMAIN

    hashed = make_password(PASSWORD)
    national = User.objects.get(email=f"pilote-{load_seed}@{EMAIL_DOMAIN}")
    managers = [national] + [
        User.objects.create(email=f"pilote-{load_seed}-{i}@{EMAIL_DOMAIN}", role=Role.NATIONAL_MANAGER, password=hashed)
        for i in range(2, users + 1)
    ]
    busiest = [
        row["departement_id"]
        for row in Activity.objects.exclude(departement_id=None)
        .values("departement_id")
        .annotate(n=Count("pk"))
        .order_by("-n")[:departements]
    ]
    coordinators = list(
        User.objects.filter(
            role=Role.COORDINATOR, email__in=[f"coordinateur-{load_seed}-{code}@{EMAIL_DOMAIN}" for code in busiest]
        ).prefetch_related("departements")
    )
    User.objects.filter(pk__in=[u.pk for u in managers + coordinators]).update(password=hashed)
    devices = [TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=True) for user in managers]
    mediator = User.objects.get(email="bench@tremplin.test")  # bench_booking.seed's
    reader_keys = [api_token_create(user=national, label=f"charge : financeur {i}")[1] for i in range(users)]
    booking_keys = [api_token_create(user=mediator, label=f"charge : partenaire {i}")[1] for i in range(users)]
    return {
        "password": PASSWORD,
        "national_managers": [{"email": d.user.email, "totp_key": d.key} for d in devices],
        "coordinators": [{"email": c.email, "departement": c.departements.all()[0].code} for c in coordinators],
        "departements": busiest,
        "reader_keys": reader_keys,
        "booking_keys": booking_keys,
    }


def locust(phase: str, classes: list[str], args, url: str, seed_file: Path, scratch: Path, processes) -> dict:
    """One headless locust run; its answers, marks, and the processor time used meanwhile."""
    out = scratch / f"{phase}.json"
    log = scratch / f"locust-{phase}.log"
    env = dict(os.environ)
    env.update(
        LOAD_SEED=str(seed_file),
        LOAD_OUT=str(out),
        LOAD_MAX_REQUESTS=str(args.max_requests),
        LOAD_THINK=str(args.think),
    )
    command = [
        str(Path(sys.executable).parent / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{args.run_time}s",
        "--stop-timeout",
        "30",  # users finish the request under way: every booking made has its answer
        "--host",
        url,
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
        *classes,
    ]
    load_average = list(os.getloadavg())
    before, children_before = cpu_ticks(*processes), resource.getrusage(resource.RUSAGE_CHILDREN)
    with log.open("w") as output:
        finished = subprocess.run(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, check=False)
    after, children_after = cpu_ticks(*processes), resource.getrusage(resource.RUSAGE_CHILDREN)
    if finished.returncode != 0 or not out.exists():
        print(log.read_text()[-5000:], file=sys.stderr)
        raise SystemExit(f"locust ({phase}) : code de sortie {finished.returncode}")
    data = json.loads(out.read_text())
    data["cpu_seconds"] = {k: (after[k] - before[k]) / os.sysconf("SC_CLK_TCK") for k in after}
    # locust has ended when /proc is read again: its time is the children's (the only child waited for meanwhile).
    data["cpu_seconds"]["clients"] += sum(
        getattr(children_after, f) - getattr(children_before, f) for f in ("ru_utime", "ru_stime")
    )
    data["load_average"] = load_average
    return data


def summarise(data: dict) -> dict:
    """Per endpoint and per group: answers, throughput and percentiles once all users run, errors, statuses."""
    marks = data["marks"]
    start = marks.get("spawned", marks["start"])
    stop = marks.get("stop", start)
    seconds = max(stop - start, 1e-9)
    rows: dict[str, dict] = {}

    def row(key: str) -> dict:
        return rows.setdefault(key, {"answers": 0, "errors": 0, "statuses": collections.Counter(), "steady": []})

    for end, name, ms, status, error in data["samples"]:
        group = name.split(":", 1)[0]
        for key in (f"group:{group}", name):
            r = row(key)
            r["answers"] += 1
            r["statuses"][str(status)] += 1
            if error is not None:
                r["errors"] += 1
                r.setdefault("first_errors", [])
                if len(r["first_errors"]) < 3:
                    r["first_errors"].append(f"HTTP {status} : {error}")
            if start <= end <= stop:
                r["steady"].append(ms / 1000)
    result = {}
    for key, r in rows.items():
        steady = r.pop("steady")
        latencies = {}
        if len(steady) >= 2:
            latencies = {f"p{q}": percentile_ms(steady, q) for q in (50, 95, 99)}
        result[key] = {
            **r,
            "statuses": dict(r["statuses"]),
            "server_errors": sum(n for s, n in r["statuses"].items() if s.startswith("5")),
            "steady_answers": len(steady),
            "requests_per_second": round(len(steady) / seconds, 1),
            "latency_ms": latencies,
        }
    measured = [n for k, n in result.items() if k.startswith("group:") and k != "group:login"]
    return {
        "steady_seconds": round(seconds, 1),
        "ramp_up_seconds": round(start - marks["start"], 1),
        "capped": "capped" in marks,
        "answers": sum(n["answers"] for n in measured),
        "requests_per_second": round(sum(n["steady_answers"] for n in measured) / seconds, 1),
        "errors": sum(n["errors"] for k, n in result.items() if k.startswith("group:")),
        "server_errors": sum(n["server_errors"] for k, n in result.items() if k.startswith("group:")),
        "cpu_ms_per_request": {
            k: round(v * 1000 / max(sum(n["answers"] for n in measured), 1), 2) for k, v in data["cpu_seconds"].items()
        },
        "load_average_at_start": data["load_average"],
        "endpoints": result,
    }


def check_database(session_ids: list[int], booked: list, public_ok: int) -> dict:
    """The bookings against the rows: seats, waitlist ranks, answers (bench_booking.check), public requests."""
    from tremplin.workshops.enums import RegistrationSource
    from tremplin.workshops.models import Registration

    positions: dict[int, dict[int, int]] = {}
    for session_id, registration_id, _, position in booked:
        if position is not None:
            positions.setdefault(session_id, {})[registration_id] = position
    database = check(session_ids, positions)
    database["confirmed_answers"] = sum(1 for b in booked if b[2] == "confirmed")
    database["waitlisted_answers"] = sum(1 for b in booked if b[2] == "waitlisted")
    database["public_requests_rows"] = Registration.objects.filter(
        session_id__in=session_ids, source=RegistrationSource.PUBLIC
    ).count()
    database["public_requests_answers"] = public_ok
    database["consistent"] = (
        database["overbooked_sessions"] == 0
        and database["sessions_with_wrong_waitlist_ranks"] == 0
        and database["confirmed_rows"] == database["confirmed_answers"]
        and database["waitlisted_rows"] == database["waitlisted_answers"]
        and database["public_requests_rows"] == public_ok
    )
    return database


def fr(number: float, digits: int = 1) -> str:
    return f"{number:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def markdown(result: dict) -> str:
    load, anchor = result["phases"]["load"], result["phases"]["anchor"]
    lines = [
        "| groupe / point d'accès | réponses | req./s | p50 (ms) | p95 (ms) | p99 (ms) | erreurs (dont 5xx) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]

    def line(label: str, row: dict, bold: bool = False) -> str:
        lat = row["latency_ms"]
        cells = [fr(lat[p]) if p in lat else "—" for p in ("p50", "p95", "p99")]
        rate = fr(row["requests_per_second"])
        label, rate = (f"**{label}**", f"**{rate}**") if bold else (label, rate)
        errors = f"{row['errors']} ({row['server_errors']})"
        return f"| {label} | {fr(row['answers'], 0)} | {rate} | {' | '.join(cells)} | {errors} |"

    endpoints = load["endpoints"]
    for group, label in GROUPS.items():
        if f"group:{group}" not in endpoints:
            continue
        lines.append(line(label, endpoints[f"group:{group}"], bold=True))
        for name in sorted(k for k in endpoints if k.startswith(f"{group}:")):
            lines.append(line("– " + name.split(":", 1)[1], endpoints[name]))
    lines.append(
        f"| **total (hors connexion)** | {fr(load['answers'], 0)} | **{fr(load['requests_per_second'])}** "
        f"| | | | {load['errors']} ({load['server_errors']}) |"
    )
    health = anchor["endpoints"]["group:health"]
    lines.append(line("ancre seule : GET /api/v1/health, mêmes utilisateurs (phase précédente)", health, bold=True))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--run-time", type=int, default=60, help="seconds per phase (anchor, then load)")
    parser.add_argument("--max-requests", type=int, default=100_000, help="answers per phase at most")
    parser.add_argument("--think", type=float, default=0, help="seconds between two tasks of a user (0: none)")
    parser.add_argument("--api-rate", default="100000/m", help="API requests per key (production: 600/m; '': none)")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--mediators", type=int, default=200)
    parser.add_argument("--beneficiaries", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1, help="generate_load's seed")
    parser.add_argument("--sessions", type=int, default=30, help="upcoming sessions of the booking place")
    parser.add_argument("--capacity", type=int, default=20, help="seats per session")
    parser.add_argument("--people", type=int, default=20_000, help="people already recorded by the booking place")
    parser.add_argument("--departements", type=int, default=5, help="busiest départements read by the dashboards")
    parser.add_argument("--fresh-static", action="store_true", help="collect the static files again (var/load-static)")
    parser.add_argument("--no-record", action="store_true", help="print the result only (a trial run)")
    args = parser.parse_args()
    if args.users < len(MIX):
        sys.exit(f"--users : au moins {len(MIX)} (un utilisateur de chaque sorte)")
    if args.run_time > 600:
        sys.exit("--run-time : 600 s au plus par phase")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("DATABASE_URL doit désigner PostgreSQL : lancer via scripts/with-postgres.sh")
    load_at_start = list(os.getloadavg())
    scratch = Path(tempfile.mkdtemp(prefix="tremplin-load-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    # Scratch folder for the static files and messages; one reverse proxy trusted; the API's limit per key raised
    # (still counted in the shared cache on every call) so that a tool's answers are never 429 (--api-rate).
    os.environ.update(
        TREMPLIN_VAR_DIR=str(scratch / "var"),
        TREMPLIN_TRUSTED_PROXY_COUNT="1",
        TREMPLIN_API_RATE=args.api_rate,
        LOG_FORMAT="text",  # tracebacks of any 5xx readable in gunicorn's log (production: json lines)
    )
    env = environment()
    os.environ.update(env)
    timings = {"migrate": manage("migrate", "--noinput", "-v", "0", env=env)}
    timings["collectstatic"] = static_files(args.fresh_static)
    end = datetime.datetime.now(ZoneInfo("Europe/Paris")).date()  # settings.TIME_ZONE: the dashboards' today
    volumes = ["--mediators", str(args.mediators), "--beneficiaries", str(args.beneficiaries)]
    volumes += ["--activities", str(args.activities), "--seed", str(args.seed), "--end", end.isoformat()]
    timings["generate_load"] = manage("generate_load", *volumes, "--no-progress", env=env)
    started = time.perf_counter()
    session_ids, booking_key = seed({"load": (args.sessions, args.capacity)}, args.people)
    session_ids = session_ids["load"]
    from tremplin.workshops.models import Session

    description = seed_accounts(args.seed, users=args.users, departements=args.departements)
    description |= {"site_id": Session.objects.get(pk=session_ids[0]).site_id, "session_ids": session_ids}
    timings["accounts_and_sessions"] = round(time.perf_counter() - started, 1)
    seed_file = scratch / "seed.json"
    seed_file.write_text(json.dumps(description))

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    gunicorn_log = scratch / "gunicorn.log"
    gunicorn = [
        str(Path(sys.executable).parent / "gunicorn"),
        "tremplin.wsgi:application",
        f"--workers={args.workers}",
        "--worker-class=gthread",
        f"--threads={args.threads}",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        "--keep-alive=30",
        "--timeout=60",
    ]
    with gunicorn_log.open("w") as log:
        server = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    processes = (server.pid, urllib.parse.urlsplit(os.environ["DATABASE_URL"]).port)
    phases = {}
    try:
        client, reader = Client(port, booking_key), Client(port, description["reader_keys"][0])
        wait_until_up(client)
        # Warm-up of every worker: imports, connections, the public statistics' cache (one hour in production).
        for _ in range(3 * args.workers):
            for who, path in (
                (client, "/api/v1/health"),
                (client, f"/ateliers/lieu/{description['site_id']}/"),
                (client, "/statistiques/"),
                (reader, "/api/v1/stats/summary"),
                (reader, "/api/v1/activities?limit=100"),
            ):
                status, body, _ = who.request("GET", path)
                if status != 200:
                    raise SystemExit(f"chauffe : {path} → {status} {body[:300]!r}")
        phases["anchor"] = locust("anchor", ["HealthUser"], args, url, seed_file, scratch, processes)
        phases["load"] = locust("load", MIX, args, url, seed_file, scratch, processes)
    finally:
        server.terminate()
        server.wait(timeout=30)

    public_ok = sum(
        1
        for _, name, _, status, error in phases["load"]["samples"]
        if name == "booking:POST /ateliers/lieu/{id}/" and status == 200 and error is None
    )
    database = check_database(session_ids, phases["load"]["booked"], public_ok)
    now = datetime.datetime.now()
    stamp = f"{now.date().isoformat()}-{now:%H%M%S}"
    out = RESULTS / f"load-{stamp}.json"
    result = {
        "date": now.date().isoformat(),
        "command": "scripts/with-postgres.sh .venv/bin/python bench/load/run.py " + " ".join(sys.argv[1:]),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_start": load_at_start,
            "load_average_at_end": list(os.getloadavg()),
        },
        "api_rate_per_key": args.api_rate,
        "gunicorn": {"workers": args.workers, "worker_class": "gthread", "threads": args.threads},
        "locust": {
            "users": args.users,
            "spawn_rate": args.spawn_rate,
            "run_time": args.run_time,
            "think": args.think,
            "max_requests": args.max_requests,
        },  # fmt: skip
        "volumes": {
            "mediators": args.mediators,
            "beneficiaries": args.beneficiaries,
            "activities": args.activities,
            "sessions": args.sessions,
            "capacity": args.capacity,
            "people": args.people,
        },  # fmt: skip
        "setup_seconds": timings,
        "phases": {name: summarise(data) for name, data in phases.items()},
        "database": database,
        "file": str(out.relative_to(ROOT)),
    }
    result["markdown"] = markdown(result)
    server_errors = sum(p["server_errors"] for p in result["phases"].values())
    log_text = gunicorn_log.read_text(errors="replace")
    if server_errors or "Traceback" in log_text:
        result["gunicorn_log"] = log_text[-20000:]
    print(json.dumps({k: v for k, v in result.items() if k not in ("markdown", "gunicorn_log")}, indent=1,
                     ensure_ascii=False))  # fmt: skip
    print(result["markdown"])
    if not args.no_record:
        RESULTS.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
        if "gunicorn_log" in result:
            shutil.copy(gunicorn_log, RESULTS / f"load-{stamp}-gunicorn.log")
    failures = []
    if any(p["errors"] for p in result["phases"].values()):
        failures.append(f"{sum(p['errors'] for p in result['phases'].values())} erreurs (dont {server_errors} 5xx)")
    if "Traceback" in log_text:
        failures.append("traceback dans le journal de gunicorn")
    if not database["consistent"]:
        failures.append(f"base incohérente : {database}")
    if failures:
        if "gunicorn_log" in result:
            print(result["gunicorn_log"][-5000:], file=sys.stderr)
        sys.exit("ÉCHEC : " + " ; ".join(failures))


if __name__ == "__main__":
    main()
