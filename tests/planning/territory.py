"""The small scored demo territory (2 départements D1 and D2, 12 communes each, 12 candidate sites)."""

from io import StringIO
from pathlib import Path

from django.core.management import call_command

from tremplin.demo.territory import write_demo_territory


def load_small_territory(directory: Path) -> Path:
    data = write_demo_territory(directory / "data", communes_per_departement=12)
    call_command("import_reference", data_dir=str(data), stdout=StringIO())
    return data


# Small, quick plans on that territory: bureaux de poste only (D1: 2, D2: 3), solved in well under a second.
SMALL_PLAN = {"mediators": 2, "offices_per_mediator": 2, "departements": 2, "time_limit_s": 5}
