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


def add_reunion() -> list:
    """La Réunion (974), 9,000 km from the demo territory: one commune and two bureaux de poste 3 km
    apart, so that a plan can have offices overseas."""
    from tests.factories import CommuneFactory, DepartementFactory, RegionFactory, SiteFactory

    region = RegionFactory(code="04", name="La Réunion")
    departement = DepartementFactory(code="974", name="La Réunion", region=region)
    commune = CommuneFactory(
        departement=departement, code_insee="97411", name="Saint-Denis", population=150_000, latitude=-20.88,
        longitude=55.45,
    )  # fmt: skip
    return [
        SiteFactory(commune=commune, external_id="974001", name="SAINT-DENIS BUREAU", latitude=-20.88, longitude=55.45),
        SiteFactory(commune=commune, external_id="974002", name="SAINTE-CLOTILDE BUREAU", latitude=-20.90,
                    longitude=55.47),
    ]  # fmt: skip
