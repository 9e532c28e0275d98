"""Nearby search over a national directory: p50 / p95 of `tremplin.places.search.search` (radius 10 km) over
500 random points of metropolitan France, with a brute-force anchor (haversine over every point in numpy) in
the same run, and a check that both find the same places.

    .venv/bin/python bench/bench_places.py [--places 5000] [--post-offices 17000] [--france-services 2800]
    scripts/with-postgres.sh .venv/bin/python bench/bench_places.py --postgres

Without `--postgres`, a fresh SQLite file in a temporary folder (removed at the end); with it, the throwaway
PostgreSQL that with-postgres.sh starts (DATABASE_URL). The bench migrates that fresh database and builds a
synthetic directory shaped like the real one: places, post offices and France services half spread over the
territory, half clustered around 60 towns (hours "Mo-Fr 09:00-12:00,14:00-18:00", one in ten unreadable),
then times the search without filter and « ouvert maintenant ». The query points are half uniform over
metropolitan France (42.3–51.1 N, 4.8 W–8.2 E), half near the towns, where results are many.
Prints a Markdown table.
"""

import argparse
import atexit
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
LAT, LON = (42.3, 51.1), (-4.8, 8.2)


def points(rng, n, towns):
    half = n // 2
    spread = np.column_stack((rng.uniform(*LAT, half), rng.uniform(*LON, half)))
    picked = towns[rng.integers(0, len(towns), n - half)]
    clustered = picked + rng.normal(0, 1, (n - half, 2)) * [0.12, 0.17]
    return np.vstack((spread, clustered))


def seed(rng, towns, n_places, n_offices, n_fs):
    from tremplin.network.enums import SiteKind, SiteSource
    from tremplin.network.models import Site
    from tremplin.places.models import Place
    from tremplin.places.schema import SERVICES

    today = datetime.date(2026, 1, 15)
    coords = points(rng, n_places, towns)
    Place.objects.bulk_create(
        (
            Place(
                external_id=f"bench-{i}",
                pivot="12345678901234",
                name=f"Lieu {i}",
                address=f"{i} rue du Bench",
                postcode="75001",
                city="Bench",
                latitude=float(lat),
                longitude=float(lon),
                services=list(rng.choice(SERVICES, size=int(rng.integers(1, 4)), replace=False)),
                hours="selon la saison" if i % 10 == 0 else "Mo-Fr 09:00-12:00,14:00-18:00",
                hours_valid=i % 10 != 0,
                source_updated_on=today,
            )
            for i, (lat, lon) in enumerate(coords)
        ),
        batch_size=2000,
    )
    sites = []
    for kind, source, n in (
        (SiteKind.POST_OFFICE, SiteSource.LA_POSTE, n_offices),
        (SiteKind.FRANCE_SERVICES, SiteSource.FRANCE_SERVICES, n_fs),
    ):
        for i, (lat, lon) in enumerate(points(rng, n, towns)):
            sites.append(
                Site(source=source, external_id=f"{kind}-{i}", name=f"{kind} {i}", kind=kind,
                     latitude=float(lat), longitude=float(lon))
            )  # fmt: skip
    Site.objects.bulk_create(sites, batch_size=2000)
    # Every point searched, in one array, for the brute-force anchor: (lat, lon, key).
    all_places = list(Place.objects.values_list("pk", "latitude", "longitude"))
    all_sites = list(Site.objects.values_list("pk", "latitude", "longitude"))
    keys = [f"lieu-{pk}" for pk, _, _ in all_places] + [f"site-{pk}" for pk, _, _ in all_sites]
    latlon = np.array([(lat, lon) for _, lat, lon in all_places + all_sites])
    return latlon, np.array(keys)


def thousands(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def percentile(values, q):
    return float(np.percentile(np.array(values), q))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--places", type=int, default=5000)
    parser.add_argument("--post-offices", type=int, default=17000)
    parser.add_argument("--france-services", type=int, default=2800)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--radius", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--postgres", action="store_true", help="the PostgreSQL of scripts/with-postgres.sh")
    args = parser.parse_args()
    if args.postgres:
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            sys.exit("--postgres : lancer via scripts/with-postgres.sh (DATABASE_URL)")
        engine = "PostgreSQL"
    else:
        scratch = tempfile.mkdtemp(prefix="tremplin-bench-places-")
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench.sqlite3"
        engine = "SQLite"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tremplin.settings.prod",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-not-secret"),
        TREMPLIN_CONTACT_PHONE=os.environ.get("TREMPLIN_CONTACT_PHONE", "01 00 00 00 00"),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="ERROR",
    )
    sys.path.insert(0, str(ROOT))
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True)
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tremplin.opendata.geo import haversine_km
    from tremplin.places.search import search

    rng = np.random.default_rng(args.seed)
    towns = np.column_stack((rng.uniform(43.0, 50.5, 60), rng.uniform(-4.0, 7.5, 60)))
    started = time.perf_counter()
    latlon, keys = seed(rng, towns, args.places, args.post_offices, args.france_services)
    seeded = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    queries = points(rng, args.queries, towns)
    now = timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 0))

    for lat, lon in queries[:20]:  # warm-up: query plans, caches
        search(latitude=float(lat), longitude=float(lon), radius_km=args.radius)

    timings = {"search": [], "search_open": [], "brute": []}
    found_counts, max_queries, mismatches = [], 0, 0
    lat_all, lon_all = latlon[:, 0], latlon[:, 1]
    for lat, lon in queries:
        lat, lon = float(lat), float(lon)
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            found = search(latitude=lat, longitude=lon, radius_km=args.radius)
            timings["search"].append(time.perf_counter() - t0)
        max_queries = max(max_queries, len(captured))
        t0 = time.perf_counter()
        search(latitude=lat, longitude=lon, radius_km=args.radius, open_at=now)
        timings["search_open"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        km = haversine_km(lat, lon, lat_all, lon_all)
        inside = np.nonzero(km <= args.radius)[0]
        brute = keys[inside[np.argsort(km[inside], kind="stable")]]
        timings["brute"].append(time.perf_counter() - t0)
        found_counts.append(len(found.results))
        if set(brute.tolist()) != {r.key for r in found.results}:
            mismatches += 1

    total = len(latlon)
    print(f"## Recherche de lieux à proximité — {datetime.date.today().isoformat()}\n")
    print(
        f"{engine}, {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cœurs ; "
        f"annuaire synthétique de {thousands(total)} points ({thousands(args.places)} lieux, "
        f"{thousands(args.post_offices)} bureaux de poste, "
        f"{thousands(args.france_services)} France services), construit en {seeded:.1f} s ; {args.queries} points, "
        f"rayon {args.radius:g} km ; résultats par recherche : médiane {statistics.median(found_counts):.0f}, "
        f"max {max(found_counts)} ; requêtes SQL par recherche : {max_queries} au plus ; "
        f"écarts avec la force brute : {mismatches}.\n"
    )
    print("| Mesure | p50 (ms) | p95 (ms) | max (ms) |")
    print("|---|---:|---:|---:|")
    labels = {
        "search": "search() — sans filtre (SQL boîte + haversine numpy)",
        "search_open": "search() — « ouvert » à une heure donnée",
        "brute": "Ancre : haversine numpy sur tous les points (en mémoire)",
    }
    for name, label in labels.items():
        ms = [t * 1000 for t in timings[name]]
        print(f"| {label} | {percentile(ms, 50):.2f} | {percentile(ms, 95):.2f} | {max(ms):.2f} |")
    if mismatches:
        sys.exit(f"{mismatches} recherches diffèrent de la force brute")


if __name__ == "__main__":
    main()
