"""Time the full reference import on SQLite and PostgreSQL.

    scripts/with-postgres.sh .venv/bin/python bench/bench_import.py [--data-dir ../shared/data]

(`make bench` does exactly that.) For each database: a fresh, migrated database, then
1. the first import of every file (empty database), 2. a forced re-import (every file re-read and
compared, nothing written), 3. a plain re-run (files skipped by checksum).
Anchor, measured in the same run: parsing every file with the same readers, without any database
work — the floor that the import can approach. Results go to bench/results/import-<date>.json.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

PARSE_ONLY = """
import sys, time
from pathlib import Path
from tremplin.opendata import readers
from tremplin.opendata.reference import REFERENCE_FILES
from tremplin.network.services import LAPOSTE_COLUMNS, FRANCE_SERVICES_COLUMNS
d = Path(sys.argv[1])
columns = {
    "centroids": ({"c": ("insee",), "a": ("lat",), "o": ("lon",)}, None),
    "density": ({"c": ("CODGEO",), "l": ("DENS",)}, None),
    "laposte": (LAPOSTE_COLUMNS, ";"),
    "france_services": (FRANCE_SERVICES_COLUMNS, None),
    "ifn_communes": ({"c": ("code",), "t": ("total",)}, None),
    "ifn_epcis": ({"c": ("code",), "t": ("total",)}, None),
    "filosofi": ({"c": ("CODGEO",), "p": ("TP6021",)}, ";"),
    "unemployment": ({"c": ("insee_com",), "u": ("pop_15_64_chomage_2021",)}, None),
}
n = 0
for ref in REFERENCE_FILES:
    path = d / ref.path
    if ref.key in columns:
        cols, delim = columns[ref.key]
        for row in readers.read_csv(path, columns=cols, delimiter=delim):
            for key, kind in (("lat", "latitude"), ("a", "latitude"), ("lon", "longitude"), ("o", "longitude")):
                if key in row.values:
                    readers.parse_coordinate(path, row.line, row[key], kind=kind)
            n += 1
    else:
        data = readers.read_json(path)
        n += len(data["qpvs"] if isinstance(data, dict) else data)
print(n)
"""


def timed(cmd, env) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(label: str, database_url: str, data_dir: Path) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "tremplin.settings.dev"}
    env["TREMPLIN_VAR_DIR"] = tempfile.mkdtemp(prefix="tremplin-bench-")
    subprocess.run([PY, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    command = [PY, "manage.py", "import_reference", "--data-dir", str(data_dir), "-v", "0"]
    return {
        "database": label,
        "first_import_s": round(timed(command, env), 2),
        "forced_reimport_s": round(timed([*command, "--force"], env), 2),
        "skipped_rerun_s": round(timed(command, env), 2),
    }


def fresh_postgres_url(base_url: str) -> str:
    import psycopg

    name = f"bench_import_{int(time.time())}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return base_url.rsplit("/", 1)[0] + "/" + name


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    args = parser.parse_args()
    data_dir = Path(args.data_dir).resolve()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tremplin.settings.dev", "PYTHONPATH": str(ROOT)}
    anchor = timed([PY, "-c", "import django; django.setup()\n" + PARSE_ONLY, str(data_dir)], env)
    results = {"anchor_parse_only_s": round(anchor, 2), "runs": []}
    sqlite = Path(tempfile.mkdtemp(prefix="tremplin-bench-")) / "bench.sqlite3"
    results["runs"].append(measure("SQLite", f"sqlite:///{sqlite}", data_dir))
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        results["runs"].append(measure("PostgreSQL", fresh_postgres_url(base), data_dir))
    else:
        print("DATABASE_URL ne désigne pas PostgreSQL : lancer via scripts/with-postgres.sh", file=sys.stderr)
    results["date"] = datetime.now().isoformat(timespec="seconds")
    results["machine"] = f"{os.cpu_count()} cœurs, Python {sys.version.split()[0]}"
    out = ROOT / "bench" / "results" / f"import-{datetime.now():%Y-%m-%d}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print("| base | 1er import (s) | réimport forcé (s) | relance (s) | ancre : lecture seule (s) |")
    print("|---|---|---|---|---|")
    for run in results["runs"]:
        print(
            f"| {run['database']} | {run['first_import_s']} | {run['forced_reimport_s']} | "
            f"{run['skipped_rerun_s']} | {results['anchor_parse_only_s']} |"
        )
    print(f"→ {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
