"""Fragility maps in a real browser: départements coloured by score, commune circles by class; axe-core."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from tests.e2e.conftest import describe, log_in, serious_violations
from tests.factories import PASSWORD, UserFactory
from tremplin.demo.territory import write_demo_territory
from tremplin.territories.models import AreaFragility, Commune
from tremplin.territories.selectors import FRAGILITY_CLASSES

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CLASS_COLOURS = {1: "#ffffcc", 2: "#ffeda0", 3: "#fed976", 4: "#feb24c", 5: "#fd8d3c", 6: "#e31a1c", 7: "#800026"}


def _square(west, south, east, north):
    return {
        "type": "Polygon",
        "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
    }


@pytest.fixture
def demo(tmp_path, settings):
    """The fictional territory, scored, with outlines for its two départements and one outside it, imported
    with the reference data (the server does not read the data directory)."""
    data = write_demo_territory(tmp_path / "data", communes_per_departement=12)
    features = [
        {"type": "Feature", "properties": {"code": code, "nom": code}, "geometry": geometry}
        for code, geometry in (
            ("D1", _square(1.6, 46.8, 3.2, 47.7)),
            ("D2", _square(2.4, 46.1, 3.9, 46.8)),
            ("ZZ", _square(3.9, 46.1, 4.6, 47.7)),
        )
    ]
    (data / "geo" / "departements-version-simplifiee.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )
    call_command("import_reference", data_dir=str(data), stdout=StringIO())
    settings.TREMPLIN_DATA_DIR = ""
    return data


def _fill(locator) -> str:
    return (locator.get_attribute("fill") or "").lower()


def test_national_map_colours_departements_then_communes(page, demo):
    manager = UserFactory(national=True)
    log_in(page, manager.email, PASSWORD)

    page.goto("/territoires/")
    page.wait_for_selector("#carte[data-map-shapes]")
    shapes = page.locator("#carte path.tremplin-departement")
    assert shapes.count() == 3
    scores = dict(
        AreaFragility.objects.filter(level="departement", indicator__isnull=True).values_list("code", "score")
    )
    from tremplin.territories.fragility import score_class

    for code in ("D1", "D2"):
        klass = score_class(scores[code])
        coloured = page.locator(f"#carte path.tremplin-departement--classe-{klass}")
        assert coloured.count() >= 1
        assert _fill(coloured.first) == CLASS_COLOURS[klass]
    assert page.locator("#carte path.tremplin-departement--sans-score").count() == 1  # ZZ: no score
    assert page.locator("main #departements-score tbody tr").count() == 2
    assert page.locator("main ul[aria-label^='Légende'] li").count() == len(FRAGILITY_CLASSES) + 1
    violations = serious_violations(page)
    assert not violations, "Page France :\n" + describe(violations)

    # A département's popup leads to its page.
    page.locator("#carte path.tremplin-departement:not(.tremplin-departement--sans-score)").first.click()
    link = page.locator("#carte .leaflet-popup-content a")
    link.wait_for()
    link.click()
    page.wait_for_selector("#carte[data-map-ready]")
    assert page.url.rstrip("/").split("/")[-1] in ("D1", "D2")

    # Département map: one circle per commune, coloured by its class; layers can be hidden.
    code = page.url.rstrip("/").split("/")[-1]
    circles = page.locator("#carte .leaflet-communes-pane path.tremplin-commune")
    assert circles.count() == Commune.objects.filter(departement=code).count() == 12
    for commune in Commune.objects.filter(departement=code)[:3]:
        assert commune.fragility_score is not None
    classes = {
        score_class(s) for s in Commune.objects.filter(departement=code).values_list("fragility_score", flat=True)
    }
    for klass in classes:
        circle = page.locator(f"#carte path.tremplin-commune--classe-{klass}").first
        assert _fill(circle) == CLASS_COLOURS[klass]
    assert page.locator("#carte path.tremplin-commune--sans-score").count() == 0
    sites_before = page.locator("#carte path.tremplin-marker").count()
    assert sites_before > 0
    control = page.locator("#carte .leaflet-control-layers")
    assert control.locator("input[type=checkbox]").count() == 3
    control.get_by_label("Sites").uncheck()
    assert page.locator("#carte path.tremplin-marker--bureau").count() == 0
    control.get_by_label("Sites").check()
    assert page.locator("#carte path.tremplin-marker").count() == sites_before
    violations = serious_violations(page)
    assert not violations, "Page département :\n" + describe(violations)

    # Commune page with its indicator table, indicators page with its forms, method page.
    page.goto(f"/territoires/commune/{code}001/")
    assert "Fragilité numérique" in page.locator("main").inner_text()
    violations = serious_violations(page)
    assert not violations, "Page commune :\n" + describe(violations)
    for path in ("/territoires/indicateurs/", "/territoires/methode/", "/territoires/region/DM/"):
        page.goto(path)
        violations = serious_violations(page)
        assert not violations, f"{path} :\n" + describe(violations)
    page.wait_for_selector("#carte[data-map-shapes]")
    assert page.locator("#carte path.tremplin-departement--sans-score").count() == 1

    assert not page.js_errors, page.js_errors


def test_coordinator_map_shows_only_their_departement_in_colour(page, demo):
    from tremplin.territories.models import Departement

    coordinator = UserFactory(coordinator=True, departements=[Departement.objects.get(code="D1")])
    log_in(page, coordinator.email, PASSWORD)
    page.goto("/territoires/")
    page.wait_for_selector("#carte[data-map-shapes]")
    assert page.locator("#carte path.tremplin-departement--sans-score").count() == 2
    assert page.locator("main #departements-score tbody tr").count() == 1
    assert not page.js_errors, page.js_errors
