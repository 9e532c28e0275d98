"""Dashboards at national scale: p50 / p95 of the statistics core (tremplin.reporting.stats) on a synthetic
national network, with a plain `SELECT count(*) FROM activities_activity` measured in the same run as the anchor,
and a full national CSV export streamed (La Coop layout, tremplin.activities.coop) with its rows/s and memory.

    scripts/with-postgres.sh .venv/bin/python bench/bench_dashboards.py \
        --mediators 4000 --beneficiaries 2000000 --activities 10000000 --seed 1 [--runs 20]
    .venv/bin/python bench/bench_dashboards.py --sqlite --mediators 50 --beneficiaries 20000 --activities 100000

Migrates the throwaway database (PostgreSQL of with-postgres.sh, or with `--sqlite` a fresh file in a temporary
folder), runs `generate_load` with the volumes given (ANALYZE after), then times each measure `--runs` times after
two warm-up calls. Checks that the pre-aggregated figures equal the brute-force ones (summary with the aggregates
switched off) on the national and one-year summaries. Prints a Markdown table; `--json FILE` keeps every timing.
"""

import argparse
import atexit
import datetime
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def percentile(values, q):
    values = sorted(values)
    if not values:
        return 0.0
    k = (len(values) - 1) * q / 100
    low, high = int(k), min(int(k) + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (k - low)


def thousands(n) -> str:
    return f"{n:,.0f}".replace(",", "\u202f")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mediators", type=int, default=200)
    parser.add_argument("--beneficiaries", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--export-limit", type=int, default=0, help="stop the CSV export after N activities (0: all)")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--no-load", action="store_true", help="measure a database already loaded by generate_load")
    args = parser.parse_args()
    if args.sqlite:
        scratch = tempfile.mkdtemp(prefix="tremplin-bench-dashboards-")
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench.sqlite3"
        engine = "SQLite"
    else:
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            sys.exit("lancer via scripts/with-postgres.sh (DATABASE_URL), ou --sqlite")
        engine = "PostgreSQL"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tremplin.settings.prod",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-not-secret"),
        TREMPLIN_CONTACT_PHONE=os.environ.get("TREMPLIN_CONTACT_PHONE", "01 00 00 00 00"),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        LOG_LEVEL="ERROR",
    )
    sys.path.insert(0, str(ROOT))
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True)
    # The pages are rendered as in production: static files collected with their manifest (a scratch folder).
    os.environ["TREMPLIN_VAR_DIR"] = tempfile.mkdtemp(prefix="tremplin-bench-var-")
    atexit.register(shutil.rmtree, os.environ["TREMPLIN_VAR_DIR"], ignore_errors=True)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, check=True)
    end = datetime.datetime.now(ZoneInfo("Europe/Paris")).date()  # settings.TIME_ZONE: the dashboards' today
    started = time.perf_counter()
    subprocess.run(["true"] if args.no_load else
        [sys.executable, "manage.py", "generate_load", "--mediators", str(args.mediators), "--beneficiaries",
         str(args.beneficiaries), "--activities", str(args.activities), "--seed", str(args.seed), "--end",
         end.isoformat()],
        cwd=ROOT,
        check=True,
    )  # fmt: skip
    loaded = time.perf_counter() - started

    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from tremplin.accounts.models import User
    from tremplin.activities import coop
    from tremplin.activities.models import Activity, Participant
    from tremplin.reporting import aggregates, stats
    from tremplin.reporting.filters import StatsFilters
    from tremplin.reporting.load import EMAIL_DOMAIN
    from tremplin.www import csv as safe_csv

    national = User.objects.get(email=f"pilote-{args.seed}@{EMAIL_DOMAIN}")
    departement = (
        Activity.objects.values("departement_id").annotate(n=Count("pk")).order_by("-n").first()["departement_id"]
    )
    coordinator = User.objects.get(email=f"coordinateur-{args.seed}-{departement}@{EMAIL_DOMAIN}")
    busiest = Activity.objects.values("mediator_id").annotate(n=Count("pk")).order_by("-n").first()
    mediator = User.objects.get(pk=busiest["mediator_id"])
    # The last 12 months, as the period picker gives them (aligned on months: the aggregated path).
    year = StatsFilters(date_from=(end.replace(day=1) - datetime.timedelta(days=330)).replace(day=1), date_to=end)
    counts = {
        "activities": Activity.objects.count(),
        "participants": Participant.objects.count(),
        "busiest_mediator_activities": busiest["n"],
        "departement": departement,
    }

    def anchor():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM activities_activity")
            return cursor.fetchone()[0]

    measures = {
        "anchor": ("Ancre : SELECT count(*) FROM activities_activity", anchor),
        "national": ("summary national, sans filtre", lambda: stats.summary(national, StatsFilters())),
        "national_year": ("summary national, une année", lambda: stats.summary(national, year)),
        "departement": (
            f"summary d'un département ({departement}, vu par son coordinateur)",
            lambda: stats.summary(coordinator, StatsFilters(departement=departement)),
        ),
        "departement_year": (
            f"summary d'un département ({departement}), une année",
            lambda: stats.summary(coordinator, year.replace(departement=departement)),
        ),
        "mediator": (
            f"summary du médiateur le plus actif ({thousands(busiest['n'])} activités)",
            lambda: stats.summary(mediator, StatsFilters()),
        ),
        "mediator_year": ("summary de ce médiateur, une année", lambda: stats.summary(mediator, year)),
        "by_departement": ("by_departement national (carte)", lambda: stats.by_departement(national, StatsFilters())),
        "weekly": (
            "cumulative_weekly national, personnes, 3 ans",
            lambda: stats.cumulative_weekly(
                national, StatsFilters(date_from=end - datetime.timedelta(days=3 * 365)), "personnes"
            ),
        ),
        "weekly_year": (
            "cumulative_weekly national, personnes, une année",
            lambda: stats.cumulative_weekly(national, year, "personnes"),
        ),
    }
    # The same figures through the whole Django stack (middleware, sessions, templates, JSON), in process: the
    # national dashboard page as its pilot sees it (second factor verified in the session, as after a login) and
    # the statistics API with a key of that pilot.
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tremplin.accounts.tokens import api_token_create

    page_client = Client()
    page_client.force_login(national)
    device = TOTPDevice.objects.create(user=national, name="banc", confirmed=True)
    session = page_client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    _, key = api_token_create(user=national, label="banc")
    api_client = Client(headers={"authorization": f"Bearer {key}"})
    year_query = f"from={year.date_from.isoformat()}&to={year.date_to.isoformat()}"

    def http(client, url):
        def call():
            response = client.get(url, secure=True)
            if response.status_code != 200:
                sys.exit(f"{url} : réponse {response.status_code}")
            return response.content

        return call

    measures |= {
        "page_national": ("page /pilotage/ nationale (HTTP, pilote)", http(page_client, "/pilotage/")),
        "page_national_year": ("page /pilotage/ nationale, une année", http(page_client, f"/pilotage/?{year_query}")),
        "api_national": ("API /api/v1/stats/summary nationale", http(api_client, "/api/v1/stats/summary")),
        "api_national_year": (
            "API /api/v1/stats/summary nationale, une année",
            http(api_client, f"/api/v1/stats/summary?{year_query}"),
        ),
        "api_departement": (
            f"API /api/v1/stats/summary?departement={departement}",
            http(api_client, f"/api/v1/stats/summary?departement={departement}"),
        ),
    }
    timings, queries = {}, {}
    for name, (_, function) in measures.items():
        function()
        function()
        runs = []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                function()
                runs.append((time.perf_counter() - t0) * 1000)
            queries[name] = len(captured)
        timings[name] = runs

    # Exactness: the fast path against the plain queries (aggregates switched off).
    mismatches = []
    for label, viewer, filters in (("national", national, StatsFilters()), ("une année", national, year)):
        fast = stats.summary(viewer, filters)
        with aggregates.disabled():
            t0 = time.perf_counter()
            slow = stats.summary(viewer, filters)
            timings.setdefault("brute_" + label, []).append((time.perf_counter() - t0) * 1000)
        if fast != slow:
            mismatches.append(label)
    fast_map = stats.by_departement(national, StatsFilters())
    with aggregates.disabled():
        if fast_map != stats.by_departement(national, StatsFilters()):
            mismatches.append("by_departement")

    # The full national CSV export, streamed (La Coop layout) into a sink that only counts.
    class Sink(io.TextIOBase):
        size = 0

        def write(self, text):
            self.size += len(text)
            return len(text)

    sink = Sink()
    writer = safe_csv.writer(sink)
    queryset, _ = stats.filtered(national, StatsFilters())
    if args.export_limit:
        queryset = queryset.filter(pk__in=Activity.objects.order_by("pk").values("pk")[: args.export_limit])
    start_rss, peak_rss, rows, activities_seen = rss_mb(), 0.0, 0, 0
    t0 = time.perf_counter()
    for row in coop.export_rows(queryset, viewer=national):
        writer.writerow(row)
        rows += 1
        if rows % 20_000 == 0:
            peak_rss = max(peak_rss, rss_mb())
    export_seconds = time.perf_counter() - t0
    peak_rss = max(peak_rss, rss_mb())
    activities_seen = args.export_limit or counts["activities"]

    today = datetime.date.today().isoformat()
    print(f"\n## Tableaux de bord — {today}\n")
    print(
        f"{engine}, {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cœurs ; "
        f"charge `generate_load --mediators {args.mediators} --beneficiaries {args.beneficiaries} --activities "
        f"{args.activities} --seed {args.seed}` en {loaded:.0f} s : {thousands(counts['activities'])} activités, "
        f"{thousands(counts['participants'])} participations ; {args.runs} mesures par ligne après 2 appels "
        f"de chauffe ; écarts avec les requêtes directes : {', '.join(mismatches) or 'aucun'}.\n"
    )
    print("| Mesure | p50 (ms) | p95 (ms) | max (ms) | requêtes SQL |")
    print("|---|---:|---:|---:|---:|")
    for name, (label, _) in measures.items():
        ms = timings[name]
        print(f"| {label} | {percentile(ms, 50):.1f} | {percentile(ms, 95):.1f} | {max(ms):.1f} | {queries[name]} |")
    for name, ms in timings.items():
        if name.startswith("brute_"):
            print(f"| summary {name[6:]} par les requêtes directes (1 mesure) | {ms[0]:.1f} | | | |")
    print(
        f"\nExport CSV national (format La Coop) : {thousands(activities_seen)} activités, {thousands(rows)} lignes, "
        f"{sink.size / 1e6:.0f} Mo en {export_seconds:.1f} s ({thousands(rows / export_seconds)} lignes/s) ; "
        f"mémoire du processus {start_rss:.0f} Mo au départ, {peak_rss:.0f} Mo au plus haut."
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                dict(
                    date=today,
                    engine=engine,
                    args=vars(args) | {"json": str(args.json)},
                    counts=counts,
                    load_seconds=loaded,
                    timings=timings,
                    queries=queries,
                    mismatches=mismatches,
                    export=dict(rows=rows, seconds=export_seconds, start_rss=start_rss, peak_rss=peak_rss),
                ),
                indent=1,
            )
        )
    if mismatches:
        sys.exit(f"écarts : {mismatches}")


if __name__ == "__main__":
    main()
