"""National manager journey in a real browser: create a scenario through the form, see the plan on the map."""

import pytest

from tests.e2e.conftest import describe, log_in, serious_violations
from tests.factories import PASSWORD, UserFactory
from tests.planning.territory import load_small_territory
from tremplin.planning.enums import ScenarioStatus
from tremplin.planning.models import Scenario

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_national_manager_creates_a_scenario_and_sees_the_plan(page, live_server, tmp_path):
    load_small_territory(tmp_path)
    manager = UserFactory(national=True, first_name="Claude")

    log_in(page, manager.email, PASSWORD)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Planification").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Planification du déploiement"
    violations = serious_violations(page)
    assert not violations, "Liste et formulaire :\n" + describe(violations)

    form = page.locator("#formulaire-scenario")
    form.get_by_label("Nom du scénario").fill("Deux médiateurs, 10 km")
    form.get_by_label("Nombre de médiateurs (M)").fill("2")
    form.get_by_label("Bureaux par médiateur (K)").fill("2")
    form.get_by_label("Nombre de départements (D)").fill("2")
    form.get_by_label("Limite de temps du calcul (secondes)").fill("5")
    form.get_by_role("button", name="Lancer le calcul").click()
    # The test settings run the task inline (ImmediateBackend): the scenario is done on the next page.
    page.wait_for_selector("#carte[data-map-ready]")

    scenario = Scenario.objects.get()
    assert scenario.status == ScenarioStatus.DONE, scenario.error
    assert page.url.endswith(f"/planification/{scenario.pk}/")
    assert page.locator("h1").inner_text() == "Deux médiateurs, 10 km"
    assert page.locator("#carte .tremplin-marker--plan").count() == 4
    assert page.locator("#carte .tremplin-circuit").count() == 2
    assert page.locator("main").get_by_text("optimal prouvé").count() == 1
    offices = [office for mediator in scenario.result["mediators"] for office in mediator["names"]]
    table = page.locator("#mediateurs-titre + .fr-table table")
    for name in offices:
        assert table.get_by_text(name, exact=False).count() == 1
    page.locator("#carte .tremplin-marker--plan").first.click()
    assert page.locator(".leaflet-popup-content").inner_text().split("\n")[0] in offices
    # the popup fades in: check contrast once it is fully opaque
    # (a function, not an expression string: Playwright would eval() the string, which the page's CSP refuses)
    page.wait_for_function("() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")

    violations = serious_violations(page)
    assert not violations, "Page du scénario :\n" + describe(violations)
    assert not page.js_errors, "\n".join(page.js_errors)


def test_a_plan_with_overseas_offices_keeps_metropolitan_offices_apart_and_draws_an_inset(page, live_server, tmp_path):
    """One map spanning Réunion to metropolitan France would make every metropolitan office one dot."""
    from tests.planning.territory import SMALL_PLAN, add_reunion
    from tremplin.planning.services import PlanOptions, scenario_create, scenario_run

    load_small_territory(tmp_path)
    add_reunion()
    manager = UserFactory(national=True)
    options = PlanOptions(**SMALL_PLAN | {"departement_list": ("D1", "974"), "departements": 0})
    scenario = scenario_run(scenario=scenario_create(user=manager, name="Avec La Réunion", options=options))
    assert scenario.status == ScenarioStatus.DONE, scenario.error

    log_in(page, manager.email, PASSWORD)
    page.goto(f"/planification/{scenario.pk}/")
    page.wait_for_selector("#carte[data-map-ready]")
    inset = page.locator('[data-planning-inset="974"]')
    inset.locator(".tremplin-marker--plan").first.wait_for()
    assert inset.get_attribute("data-map-ready") == "true"

    def centres(container) -> list[tuple[float, float]]:
        boxes = [m.bounding_box() for m in container.locator(".tremplin-marker--plan").all()]
        return [(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2) for b in boxes]

    main = page.locator("#carte")
    frame = main.bounding_box()
    points = centres(main)
    assert len(points) == 2  # D1's two offices; Réunion's are in the inset
    (x1, y1), (x2, y2) = points
    assert ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5 > 40  # fitted to them: two dots, not one
    for x, y in points:
        assert frame["x"] < x < frame["x"] + frame["width"] and frame["y"] < y < frame["y"] + frame["height"]
    box = inset.bounding_box()
    assert 200 < box["height"] < 300  # a small map (16rem)
    inset_points = centres(inset)
    assert len(inset_points) == 2
    for x, y in inset_points:
        assert box["x"] < x < box["x"] + box["width"] and box["y"] < y < box["y"] + box["height"]
    assert page.get_by_text("La Réunion (974) — 2 bureaux").count() == 1

    violations = serious_violations(page)
    assert not violations, "Page du scénario avec l’outre-mer :\n" + describe(violations)
    assert not page.js_errors, "\n".join(page.js_errors)
