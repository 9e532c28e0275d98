"""Planner screens: scenarios list and form, scenario page, comparison, curve, exports, permissions."""

import csv
import io
import json
import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.planning.territory import SMALL_PLAN, load_small_territory
from tremplin.planning import services
from tremplin.planning.enums import ScenarioStatus
from tremplin.planning.models import Scenario
from tremplin.planning.services import PlanOptions, scenario_create
from tremplin.territories.models import Departement

pytestmark = pytest.mark.django_db

INDEX = reverse("planning:index")


@pytest.fixture
def territory(tmp_path):
    return load_small_territory(tmp_path)


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Tasks are queued on commit; the test settings' ImmediateBackend then runs them inline:
    `with run_tasks() as queued: client.post(...)` commits (as a request would) and runs them."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def national(client):
    user = UserFactory(national=True, first_name="Claude", last_name="Pilote")
    client.force_login(user)
    return user


def computed(user, name="Plan", **options) -> Scenario:
    scenario = scenario_create(user=user, name=name, options=PlanOptions(**SMALL_PLAN | options))
    services.scenario_run(scenario=scenario)
    return scenario


def form_data(client, **overrides) -> dict:
    """The form's defaults, as a browser would send them, with the token of a freshly displayed form."""
    page = client.get(INDEX).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    data = {
        "token": token,
        "name": "Deux médiateurs",
        "mediators": "2",
        "offices_per_mediator": "2",
        "reach_km": "10",
        "circuit_km": "25",
        "departements": "2",
        "departement_list": "",
        "weight": "population",
        "qpv_factor": "2",
        "rural_factor": "1,5",
        "site_types": ["bureau_de_poste"],
        "forced_in": "",
        "forced_out": "",
        "time_limit_s": "5",
    }
    return data | overrides


# --- permissions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("trait", ["mediator", "counter_agent", "partner"])
def test_other_roles_are_refused_every_planner_page(client, territory, trait):
    owner = UserFactory(national=True)
    scenario = computed(owner)
    user = UserFactory(**{trait: True})
    client.force_login(user)
    urls = [
        INDEX,
        reverse("planning:compare"),
        reverse("planning:detail", args=[scenario.pk]),
        reverse("planning:state", args=[scenario.pk]),
        reverse("planning:export_csv", args=[scenario.pk]),
        reverse("planning:export_geojson", args=[scenario.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(INDEX, {}).status_code == 403
    assert client.post(reverse("planning:curve", args=[scenario.pk])).status_code == 403
    assert "Planification" not in client.get(reverse("home:index")).content.decode()


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(INDEX)
    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


def test_menu_shows_the_planner_to_national_managers_and_coordinators(client, territory):
    for user in (UserFactory(national=True), UserFactory(coordinator=True)):
        client.force_login(user)
        assert f'href="{INDEX}"' in client.get(reverse("home:index")).content.decode()


def test_coordinator_plans_in_their_departements_only(client, territory, run_tasks):
    d1 = Departement.objects.get(code="D1")
    coordinator = UserFactory(coordinator=True, departements=[d1])
    national_scenario = computed(UserFactory(national=True), name="National")
    client.force_login(coordinator)

    page = client.get(INDEX).content.decode()
    assert "National" not in page
    assert "Vos départements : D1" in page
    assert client.get(reverse("planning:detail", args=[national_scenario.pk])).status_code == 404
    assert client.get(reverse("planning:export_csv", args=[national_scenario.pk])).status_code == 404

    response = client.post(INDEX, form_data(client, departement_list="D1, D2", mediators="1"))
    assert response.status_code == 200
    assert "hors de votre périmètre : D2" in response.content.decode()
    response = client.post(INDEX, form_data(client, forced_in="D2005P", mediators="1"))
    assert "Identifiants La Poste inconnus dans vos départements : D2005P" in response.content.decode()
    assert not Scenario.objects.filter(created_by=coordinator).exists()

    # No list: all their départements (here D1 and its two bureaux de poste), whatever D says.
    with run_tasks():
        response = client.post(INDEX, form_data(client, mediators="1", departements="57"))
    scenario = Scenario.objects.get(created_by=coordinator)
    assert response.status_code == 302 and response["Location"] == reverse("planning:detail", args=[scenario.pk])
    assert scenario.params["departement_list"] == ["D1"] and scenario.params["departements"] == 0
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.DONE, scenario.error
    assert {m["departement"] for m in scenario.result["mediators"]} == {"D1"}
    assert [row["scenario"] for row in client.get(INDEX).context["scenarios"]] == [scenario]


# --- the form ------------------------------------------------------------------------------------


def test_creating_a_scenario_computes_it_and_shows_the_plan(client, territory, national, run_tasks):
    with run_tasks():
        response = client.post(INDEX, form_data(client))
    scenario = Scenario.objects.get()
    response = client.get(response["Location"])
    assert response.request["PATH_INFO"] == reverse("planning:detail", args=[scenario.pk])
    assert scenario.created_by == national and scenario.status == ScenarioStatus.DONE
    assert scenario.params["mediators"] == 2 and scenario.params["rural_factor"] == 1.5
    page = response.content.decode()
    assert "Scénario « Deux médiateurs » enregistré" in page
    assert "optimal prouvé" in page
    for mediator in scenario.result["mediators"]:
        for name, office in zip(mediator["names"], mediator["offices"], strict=True):
            assert f"{name} ({office})" in page
    assert "Val-Tremplin (fictif) (D1)" in page  # table per département
    map_data = json.loads(re.search(r'<script id="carte-plan" type="application/json">(.*?)</script>', page).group(1))
    assert [len(m["offices"]) for m in map_data["mediators"]] == [2, 2]
    assert map_data["contours"] == reverse("territory:contours", args=["departements"])
    assert map_data["mediators"][0]["colour"] != map_data["mediators"][1]["colour"]
    assert "data-planning-poll" not in page  # done: no progress bar
    listing = client.get(INDEX).content.decode()
    assert "Deux médiateurs" in listing and "Claude Pilote" in listing and "Terminé" in listing


def test_double_submit_of_the_same_form_creates_one_scenario(client, territory, national, run_tasks):
    data = form_data(client)
    with run_tasks() as queued:
        first = client.post(INDEX, data)
        second = client.post(INDEX, data)
    scenario = Scenario.objects.get()
    assert first["Location"] == second["Location"] == reverse("planning:detail", args=[scenario.pk])
    assert len(queued) == 1
    assert "déjà été envoyé" in client.get(second["Location"]).content.decode()


def test_a_form_without_a_token_of_this_session_is_refused(client, territory, national, run_tasks):
    data = form_data(client, token="invente")
    response = client.post(INDEX, data)
    assert response.status_code == 200
    assert "Ce formulaire a expiré ou a déjà été envoyé" in response.content.decode()
    assert not Scenario.objects.exists()
    # the page carries a fresh token: sending it again works
    fresh = re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)
    assert fresh != "invente"
    with run_tasks():
        assert client.post(INDEX, data | {"token": fresh}).status_code == 302


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"mediators": "0"}, "mediators", "supérieure ou égale à 1"),
        ({"mediators": "deux"}, "mediators", "Saisissez un nombre entier"),
        ({"time_limit_s": "301"}, "time_limit_s", "inférieure ou égale à 300"),
        ({"reach_km": "-1"}, "reach_km", "supérieure ou égale à 0"),
        ({"site_types": []}, "site_types", "Cochez au moins un type de site"),
        ({"weight": "argent"}, "weight", "Sélectionnez un choix valide"),
        ({"departement_list": "D1, 99"}, "departement_list", "Départements inconnus : 99"),
        ({"departements": "3"}, "departements", "ne peut pas dépasser le nombre de médiateurs"),
        ({"departement_list": "D1,D2", "mediators": "1"}, "mediators", "2 départements listés"),
        ({"forced_in": "D1001P, NIMPORTE"}, "forced_in", "Identifiants La Poste inconnus : NIMPORTE"),
        ({"forced_in": "D1012P"}, "forced_in", "pas d'un type éligible coché : D1012P"),
        ({"forced_in": "D1001P", "forced_out": "D1001P"}, "forced_out", "à la fois imposés et exclus : D1001P"),
        ({"name": ""}, "name", "Ce champ est obligatoire"),
    ],
)
def test_bad_input_gives_french_field_errors(client, territory, national, overrides, field, message):
    response = client.post(INDEX, form_data(client, **overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors.get(field, [])), form.errors
    assert message.split(" : ")[0] in response.content.decode().replace("&#x27;", "'")
    assert not Scenario.objects.exists()


def test_an_impossible_plan_is_refused_by_the_form_saying_what_is_possible(client, territory, national):
    response = client.post(INDEX, form_data(client, mediators="20", departements="0"))
    assert response.status_code == 200
    assert response.context["form"].errors["mediators"] == [
        "L’ensemble des départements compte 5 bureaux de poste : au plus 2 médiateurs à 2 bureaux ; "
        "20 médiateurs à 2 bureaux demanderaient 40 bureaux."
    ]
    assert "au plus 2 médiateurs à 2 bureaux" in response.content.decode()
    assert not Scenario.objects.exists()  # nothing queued for the worker


def test_planning_error_of_the_worker_is_shown_on_the_scenario_page(client, territory, national):
    # a scenario whose parameters became impossible after it was queued (sites removed since)
    options = PlanOptions(**SMALL_PLAN | {"mediators": 20, "departements": 0})
    scenario = Scenario.objects.create(name="Ancien", created_by=national, params=options.as_dict())
    services.scenario_run(scenario=scenario)
    page = client.get(reverse("planning:detail", args=[scenario.pk])).content.decode()
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.FAILED
    assert "Le calcul a échoué" in page
    assert "au plus 2 médiateurs à 2 bureaux" in page
    assert "export.csv" not in page


def initial_values(page: str) -> dict[str, str]:
    return {
        name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1)
        for name in ("mediators", "offices_per_mediator", "departements")
    }


def test_a_coordinators_form_is_prefilled_with_what_their_departements_allow(client, territory, run_tasks):
    coordinator = UserFactory(coordinator=True, departements=list(Departement.objects.filter(code__in=["D1", "D2"])))
    client.force_login(coordinator)
    page = client.get(INDEX).content.decode()
    assert "Vos 2 départements comptent 5 bureaux de poste : au plus 2 médiateurs à 2 bureaux." in page
    values = initial_values(page)
    assert values == {"mediators": "2", "offices_per_mediator": "2", "departements": "0"}  # not 100 / 4 / 57
    # the national defaults, typed by hand, are refused at once with what is possible
    response = client.post(INDEX, form_data(client, mediators="100", offices_per_mediator="1", departements="57"))
    assert response.context["form"].errors["mediators"] == [
        "Vos 2 départements comptent 5 bureaux de poste : au plus 5 médiateurs à 1 bureau ; "
        "100 médiateurs à 1 bureau demanderaient 100 bureaux."
    ]
    response = client.post(INDEX, form_data(client, mediators="3"))  # 3 × 2 = 6 offices, 5 available
    assert "au plus 2 médiateurs à 2 bureaux (ou 3 médiateurs à 1 bureau)" in response.content.decode()
    assert not Scenario.objects.exists()
    # the prefilled values are accepted and computed
    with run_tasks():
        response = client.post(INDEX, form_data(client, **values))
    scenario = Scenario.objects.get()
    assert response.status_code == 302 and scenario.params["departement_list"] == ["D1", "D2"]
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.DONE, scenario.error


def test_a_national_managers_form_is_prefilled_with_a_possible_plan(client, territory, national):
    values = initial_values(client.get(INDEX).content.decode())
    # 5 bureaux de poste (D1: 2, D2: 3): 100 mediators of 4 in 57 départements cannot exist here
    assert values == {"mediators": "1", "offices_per_mediator": "3", "departements": "1"}
    response = client.post(INDEX, form_data(client, **values))
    assert response.status_code == 302


# --- progress -----------------------------------------------------------------------------------


def test_queued_scenario_shows_progress_and_its_state_as_json(client, territory, national):
    scenario = Scenario.objects.create(
        name="Long", created_by=national, params=PlanOptions().as_dict(), status=ScenarioStatus.RUNNING,
        progress_stage="borne supérieure (relaxation)", progress=0.42,
    )  # fmt: skip
    page = client.get(reverse("planning:detail", args=[scenario.pk])).content.decode()
    assert f'data-planning-poll="{reverse("planning:state", args=[scenario.pk])}"' in page
    assert 'value="42"' in page and "borne supérieure (relaxation)" in page
    assert f'href="{reverse("planning:detail", args=[scenario.pk])}">Rafraîchir' in page
    state = client.get(reverse("planning:state", args=[scenario.pk])).json()
    assert state == {
        "status": "running",
        "status_label": "En cours de calcul",
        "stage": "borne supérieure (relaxation)",
        "progress": 0.42,
        "percent": 42,
        "finished": False,
        "curve": None,
    }
    assert client.get(reverse("planning:export_csv", args=[scenario.pk])).status_code == 404
    assert client.post(reverse("planning:curve", args=[scenario.pk])).status_code == 404


# --- exports ------------------------------------------------------------------------------------


def test_csv_export_opens_in_french_excel(client, territory, national):
    scenario = computed(national)
    response = client.get(reverse("planning:export_csv", args=[scenario.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"scenario-{scenario.pk}.csv" in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "médiateur", "département", "identifiant La Poste", "bureau", "commune", "latitude", "longitude",
        "population atteinte par le médiateur",
    ]  # fmt: skip
    assert len(rows) == 1 + 4
    expected = [
        (str(number), m["departement"], office, name, str(m["population"]))
        for number, m in enumerate(scenario.result["mediators"], start=1)
        for office, name in zip(m["offices"], m["names"], strict=True)
    ]
    assert [(r[0], r[1], r[2], r[3], r[7]) for r in rows[1:]] == expected
    assert all(r[4] and float(r[5].replace(",", ".")) > 40 for r in rows[1:])  # commune name, latitude


def test_geojson_export_is_a_feature_collection_of_the_offices(client, territory, national):
    scenario = computed(national)
    response = client.get(reverse("planning:export_geojson", args=[scenario.pk]))
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 4
    first = scenario.result["mediators"][0]
    feature = data["features"][0]
    assert feature["geometry"]["type"] == "Point"
    lon, lat = feature["geometry"]["coordinates"]
    assert 1 < lon < 4 and 46 < lat < 48
    assert feature["properties"].items() >= {
        "mediator": 1, "departement": first["departement"], "id": first["offices"][0], "name": first["names"][0],
    }.items()  # fmt: skip


# --- comparison ---------------------------------------------------------------------------------


def test_comparison_highlights_what_differs(client, territory, national):
    a = computed(national, name="Deux", mediators=2)
    b = computed(national, name="Trois", mediators=3, departements=1, offices_per_mediator=1)
    page = client.get(INDEX).content.decode()
    assert reverse("planning:compare") in page
    response = client.get(reverse("planning:compare"), {"a": a.pk, "b": b.pk})
    comparison = response.context["comparison"]
    differs = {p["label"] for p in comparison["params"] if p["differs"]}
    assert differs == {"Nombre de médiateurs (M)", "Bureaux par médiateur (K)", "Nombre de départements (D)"}
    figures = {f["label"]: f for f in comparison["figures"]}
    assert figures["Médiateurs"]["diff"] == 1 and figures["Bureaux"]["diff"] == -1
    assert figures["Population atteinte"]["diff"] == b.reached_population - a.reached_population
    offices_a = {o for m in a.result["mediators"] for o in m["offices"]}
    offices_b = {o for m in b.result["mediators"] for o in m["offices"]}
    assert {i for i, _ in comparison["offices_only_a"]} == offices_a - offices_b
    assert {i for i, _ in comparison["offices_only_b"]} == offices_b - offices_a
    html = response.content.decode()
    assert html.count('class="tremplin-differs"') == 3 and "Différent" in html


def test_comparison_refuses_the_same_scenario_twice_and_other_peoples_scenarios(client, territory, national):
    a = computed(national, name="Deux")
    response = client.get(reverse("planning:compare"), {"a": a.pk, "b": a.pk})
    assert "Choisissez deux scénarios différents" in response.content.decode()
    assert response.context["comparison"] is None
    coordinator = UserFactory(coordinator=True, departements=list(Departement.objects.all()))
    mine = computed(coordinator, name="À moi")
    client.force_login(coordinator)
    response = client.get(reverse("planning:compare"), {"a": mine.pk, "b": a.pk})
    assert response.context["comparison"] is None
    assert "b" in response.context["form"].errors


# --- curve --------------------------------------------------------------------------------------


def test_curve_button_queues_the_curve_and_the_page_draws_it(client, territory, national, run_tasks, monkeypatch):
    monkeypatch.setattr(services, "CURVE_MEDIATORS", (1, 2, 3, 4, 10))
    scenario = computed(national, offices_per_mediator=1, circuit_km=0)
    page = client.get(reverse("planning:detail", args=[scenario.pk])).content.decode()
    assert "Courbe couverture / nombre de médiateurs</button>" in page
    with run_tasks():
        response = client.post(reverse("planning:curve", args=[scenario.pk]))
    assert response["Location"].endswith("#courbe")
    response = client.get(reverse("planning:detail", args=[scenario.pk]))
    scenario.refresh_from_db()
    assert scenario.curve["status"] == ScenarioStatus.DONE
    page = response.content.decode()
    svg = re.search(r'<svg [^>]*role="img".*?</svg>', page, re.S).group(0)  # the chart (not a legend swatch)
    assert 'role="img"' in svg and "<title" in svg and "Nombre de médiateurs" in svg
    assert svg.count("<circle") == 4  # four solved points; M = 10 is impossible
    coordinates = re.findall(r'\s(?:c?[xy]\d?)="([^"]+)"', svg)
    assert len(coordinates) > 20
    assert [c for c in coordinates if not re.fullmatch(r"-?\d+(\.\d+)?", c)] == []  # no French decimal comma
    assert "Impossible : Les 2 départements les mieux dotés comptent 5 bureaux de poste : au plus 5 médiateurs" in page
    assert "Recalculer la courbe" in page
    # every figure once: population weighting, so no "objective" column repeating the population one
    table = re.search(r"<caption>Points de la courbe</caption>.*?</table>", page, re.S).group(0)
    headers = [
        re.sub(r"[\s\u00a0\u202f]+", " ", h).strip()
        for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table, re.S)
    ]
    total = scenario.curve["totals"]["population"]
    assert headers == [
        "Médiateurs",
        "Départements (D)",
        "Population atteinte",
        "Population fragile atteinte",
        f"Part du total (sur {total:,} habitants)".replace(",", " "),
        "Borne supérieure prouvée (habitants)",
        "Statut",
    ]
    first = next(p for p in scenario.curve["points"] if "error" not in p)
    share = f"{100 * first['population'] / total:.1f}".replace(".", ",")
    assert f"{share} %" in table  # the share of the real total, in %
    # the y axis goes to the largest value drawn, never to an impossible bound
    drawn = max(max(p["objective"], p["upper_bound"]) for p in scenario.curve["points"] if "error" not in p)
    assert drawn <= scenario.curve["totals"]["reachable_weight"] <= total
    top = max(
        float(t["label"].replace("\u202f", "").replace(",", ".")) for t in response.context["curve"]["chart"]["y_ticks"]
    )
    assert drawn <= top <= 1.5 * drawn
    state = client.get(reverse("planning:state", args=[scenario.pk])).json()
    assert state["curve"] == {"status": "done", "stage": "terminé", "percent": 100, "finished": True}


# --- query counts --------------------------------------------------------------------------------


def test_list_and_scenario_pages_use_a_bounded_number_of_queries(
    client, territory, national, django_assert_max_num_queries
):
    scenarios = [computed(national, name=f"Plan {i}") for i in range(6)]
    with django_assert_max_num_queries(8):
        assert client.get(INDEX).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("planning:detail", args=[scenarios[0].pk])).status_code == 200
    with django_assert_max_num_queries(10):
        client.get(reverse("planning:compare"), {"a": scenarios[0].pk, "b": scenarios[1].pk})


# --- figures that can be true ---------------------------------------------------------------------


def key_figures(page: str) -> dict[str, str]:
    section = re.search(r'<dl class="tremplin-facts">(.*?)</dl>', page, re.S).group(1)
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", section, re.S)
    return {re.sub(r"\s+", " ", k).strip(): re.sub(r"\s+", " ", v).strip() for k, v in pairs}


def test_key_figures_show_each_number_once_and_a_bound_no_plan_exceeds(client, territory, national):
    scenario = computed(national)
    figures = key_figures(client.get(reverse("planning:detail", args=[scenario.pk])).content.decode())
    # population weighting: the objective *is* the population reached, shown once
    assert not any("objectif" in label.lower() for label in figures)
    totals = scenario.result["totals"]
    assert scenario.objective <= scenario.upper_bound <= totals["reachable_weight"] <= totals["weight"]
    assert "aucun plan de ces paramètres n’atteint plus de" in figures["Borne supérieure prouvée"]
    assert "habitants" in figures["Borne supérieure prouvée"] and "% du total" in figures["Borne supérieure prouvée"]
    assert "écart" not in figures["Statut du calcul"]  # the gap has its own line

    priority = computed(national, name="Priorité", weight="priority")
    figures = key_figures(client.get(reverse("planning:detail", args=[priority.pk])).content.decode())
    assert "Poids de priorité atteint (objectif)" in figures
    assert "points de priorité" in figures["Borne supérieure prouvée"]


def compared(client, a, b) -> dict[str, dict]:
    response = client.get(reverse("planning:compare"), {"a": a.pk, "b": b.pk})
    return {figure["label"]: figure for figure in response.context["comparison"]["figures"]}


def test_comparison_shows_no_repeated_figure_nor_a_difference_of_bounds_in_different_units(client, territory, national):
    a = computed(national, name="Population")
    b = computed(national, name="Population bis", reach_km=20)
    figures = compared(client, a, b)
    assert "Objectif (poids atteint)" not in figures  # it is the population reached, already a line
    assert figures["Borne supérieure prouvée (habitants)"]["diff"] == b.upper_bound - a.upper_bound
    c = computed(national, name="Fragile", weight="fragile")
    figures = compared(client, a, c)
    assert figures["Borne supérieure prouvée (selon la pondération)"]["diff"] is None  # habitants vs fragiles
    assert figures["Objectif (poids atteint)"]["diff"] is None


def test_bounds_stored_before_the_fix_are_brought_down_to_the_total(territory, national):
    """Migration 0003: a stored bound above the total weight (the old fallback bound) becomes the total."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("tremplin.planning.migrations.0003_bounds_within_total_weight")
    scenario = computed(national)
    result = scenario.result
    total = result["totals"]["population"]
    del result["totals"]["weight"], result["totals"]["reachable_weight"]  # as stored then
    result |= {"upper_bound": 2.0e9, "gap": 0.97}
    scenario.result, scenario.upper_bound, scenario.gap = result, 2.0e9, 0.97
    scenario.curve = {
        "status": "done",
        "weight": "population",
        "totals": {"population": total, "fragile_population": 1.0, "weight": float(total)},
        "points": [
            {"mediators": 1, "objective": 10.0, "upper_bound": 1.84e8, "gap": 0.9, "status": "time_limit"},
            {"mediators": 2, "error": "Impossible"},
        ],
    }
    scenario.save()
    untouched = computed(national, name="Récent")
    migration.cap_bounds(apps, None)
    scenario.refresh_from_db()
    assert scenario.upper_bound == total and scenario.result["upper_bound"] == total
    assert scenario.gap == pytest.approx(1 - scenario.objective / total)
    assert scenario.result["stats"]["bound_source"] == "total weight (earlier bound capped)"
    point = scenario.curve["points"][0]
    assert point["upper_bound"] == total and point["gap"] == pytest.approx(1 - 10 / total)
    before = untouched.upper_bound
    untouched.refresh_from_db()
    assert untouched.upper_bound == before


# --- map ------------------------------------------------------------------------------------------


def map_data(page: str) -> dict:
    return json.loads(re.search(r'<script id="carte-plan" type="application/json">(.*?)</script>', page).group(1))


def test_the_map_is_fitted_to_metropolitan_offices_and_overseas_ones_get_their_own_map(client, territory, national):
    from tests.planning.territory import add_reunion

    add_reunion()
    scenario = computed(national, departement_list=("D1", "974"), departements=0)
    assert {m["departement"] for m in scenario.result["mediators"]} == {"D1", "974"}
    page = client.get(reverse("planning:detail", args=[scenario.pk])).content.decode()
    data = map_data(page)
    metropole, reunion = data["territories"]
    assert metropole["code"] == "metropole" and reunion == {
        "code": "974",
        "name": "La Réunion",
        "offices": 2,
        "bounds": [[-20.9, 55.45], [-20.88, 55.47]],
    }
    (south, west), (north, east) = metropole["bounds"]
    assert 41 < south <= north < 52 and -6 < west <= east < 10  # D1's offices only, not Réunion
    assert data["bounds"] == metropole["bounds"]
    assert {m["territory"] for m in data["mediators"]} == {"metropole", "974"}
    assert 'data-planning-inset="974"' in page and "La Réunion (974) — 2 bureaux" in page


def test_a_plan_without_metropolitan_office_shows_its_territory_and_an_empty_plan_metropolitan_france(
    client, territory, national
):
    from tests.planning.territory import add_reunion
    from tremplin.planning.maps import METROPOLE_BOUNDS, plan_map

    add_reunion()
    scenario = computed(national, mediators=1, departement_list=("974",), departements=0)
    data = map_data(client.get(reverse("planning:detail", args=[scenario.pk])).content.decode())
    assert [t["code"] for t in data["territories"]] == ["974"]
    assert plan_map([], {}, ["#000091"])["territories"] == [
        {"code": "metropole", "name": "France métropolitaine", "offices": 0, "bounds": METROPOLE_BOUNDS}
    ]
