"""scripts/scale-proof.sh in the suite: a PostgreSQL primary and its streaming replica, Redis when installed, two
gunicorn web processes and two task workers on loopback, with the production settings (see the script for what
tests/ops/scale_proof_client.py checks). Needs PostgreSQL's server programs (scripts/system-deps.sh); about a
minute on a quiet machine, bounded at five."""

import glob
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKS = [
    "la réplique suit la principale en flux et refuse toute écriture",
    "la session ouverte sur A est reconnue par B",
    "les chiffres du tableau de bord viennent de la réplique",
    "vues aussitôt par B",
    "les inscriptions écrites sur la principale sont arrivées sur la réplique",
    "chacun envoyé une seule fois par un des deux travailleurs",
    "aucune écriture envoyée à la réplique",
    "partagée par tous les processus",
    "lignes JSON",
]


def test_two_web_processes_two_workers_a_primary_and_its_replica():
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        pytest.skip("serveur PostgreSQL absent (scripts/system-deps.sh)")
    start = time.monotonic()
    done = subprocess.run(
        ["scripts/scale-proof.sh", sys.executable], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    for check in CHECKS:
        assert f"OK : {check}" in report or any(
            line.startswith("OK : ") and check in line for line in report.splitlines()
        ), f"« {check} » manque :\n{report}"
    assert "ÉCHEC" not in report
    print(report, f"\n{time.monotonic() - start:.1f} s")
