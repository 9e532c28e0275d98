"""What the person who plans sees of the bound, the comparison and the exports, and next year's plan
started from this year's export (the scenario form's upload)."""

import csv
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.www.test_planning import INDEX, computed, form_data, national, run_tasks, territory  # noqa: F401
from tremplin.network.models import Site
from tremplin.planning.models import Scenario

pytestmark = pytest.mark.django_db


def test_the_scenario_page_explains_the_bound_and_what_the_gap_means(client, territory, national):  # noqa: F811
    scenario = computed(national)
    page = re.sub(r"\s+", " ", client.get(reverse("planning:detail", args=[scenario.pk])).content.decode())
    assert "La borne" in page and "aucun plan" in page
    if scenario.gap:
        better = (scenario.upper_bound - scenario.objective) / scenario.objective * 100
        assert f"au plus {better:.1f}".replace(".", ",") in page and "de mieux possible" in page
    else:
        assert "aucun plan ne fait mieux" in page
    assert scenario.result["bound"]["relaxation"] and scenario.result["bound"]["seconds"] is not None


def test_the_communes_export_lists_what_each_office_reaches(client, territory, national):  # noqa: F811
    scenario = computed(national)
    response = client.get(reverse("planning:export_communes_csv", args=[scenario.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["médiateur", "département", "identifiant La Poste", "bureau", "code INSEE"]
    offices = {o for m in scenario.result["mediators"] for o in m["offices"]}
    assert {r[2] for r in rows[1:]} <= offices and len(rows) > 1
    # the people reached by a mediator are those of the communes its offices reach, counted once
    first = scenario.result["mediators"][0]
    communes = {(r[4], int(r[6])) for r in rows[1:] if r[0] == "1"}
    assert sum(p for _, p in communes) == first["population"]
    geo = json.loads(client.get(reverse("planning:export_geojson", args=[scenario.pk])).content)
    reached = {f["properties"]["id"]: set(f["properties"]["communes_atteintes"]) for f in geo["features"]}
    assert reached == {o: {r[4] for r in rows[1:] if r[2] == o} for o in reached}


@pytest.mark.parametrize("kind", ["csv", "geojson"])
def test_last_years_export_becomes_next_years_fixed_start(client, territory, national, run_tasks, kind):  # noqa: F811
    first = computed(national, name="Cette année")
    url = reverse("planning:export_csv" if kind == "csv" else "planning:export_geojson", args=[first.pk])
    exported = client.get(url).content
    upload = SimpleUploadedFile(f"plan.{kind}", exported)
    with run_tasks():
        response = client.post(INDEX, form_data(client, name="L’an prochain", start_plan=upload))
    assert response.status_code == 302, response.content.decode()[:2000]
    second = Scenario.objects.get(name="L’an prochain")
    offices = [o for m in first.result["mediators"] for o in m["offices"]]
    assert second.params["forced_in"] == offices
    second.refresh_from_db()
    assert set(offices) <= {o for m in second.result["mediators"] for o in m["offices"]}


def test_a_bad_start_file_is_refused_and_nothing_is_applied(client, territory, national):  # noqa: F811
    before = Scenario.objects.count()
    bad = SimpleUploadedFile("plan.csv", b"identifiant La Poste\r\nD1001P\r\nNIMPORTE\r\n")
    response = client.post(INDEX, form_data(client, start_plan=bad))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Bureaux du fichier, identifiants La Poste inconnus : NIMPORTE" in page
    assert Scenario.objects.count() == before
    wrong = SimpleUploadedFile("plan.csv", b"a;b\r\n1;2\r\n")
    page = client.post(INDEX, form_data(client, start_plan=wrong)).content.decode()
    assert "Colonne « identifiant La Poste » introuvable" in page
    assert Scenario.objects.count() == before


def test_the_comparison_says_what_each_change_gains(client, territory, national):  # noqa: F811
    a = computed(national, name="Deux", mediators=2)
    b = computed(national, name="Un", mediators=1, departements=1)
    response = client.get(reverse("planning:compare"), {"a": a.pk, "b": b.pk})
    comparison = response.context["comparison"]
    only_a = {i for i, _ in comparison["offices_only_a"]}
    assert {row["id"] for row in comparison["office_gains_a"]} == only_a
    assert all(row["gain"] >= 0 for row in comparison["office_gains_a"] + comparison["office_gains_b"])
    # B has one mediator fewer: what A's extra offices add is at least what B loses
    assert sum(row["gain"] for row in comparison["office_gains_a"]) >= a.reached_population - b.reached_population
    assert comparison["departement_changes"]
    page = response.content.decode()
    assert "Ce que change chaque département" in page and "que B n’atteint pas" in page
    assert Site.objects.exists()
