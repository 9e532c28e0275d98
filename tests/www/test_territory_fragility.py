"""Fragility on the territory screens: commune, département, région and France pages, indicators and method pages."""

import json
import math
import re
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from tests.factories import UserFactory
from tremplin.demo.territory import write_demo_territory
from tremplin.territories import selectors, services
from tremplin.territories.models import AreaFragility, Commune, Departement, Indicator, IndicatorValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def territory(tmp_path):
    """Two fictional départements (D1, D2) of 12 communes, imported and scored like the real data."""
    data = write_demo_territory(tmp_path / "data", communes_per_departement=12)
    call_command("import_reference", data_dir=str(data), stdout=StringIO())
    return data


@pytest.fixture
def national():
    return UserFactory(national=True)


@pytest.fixture
def coordinator(territory):
    return UserFactory(coordinator=True, departements=[Departement.objects.get(code="D1")])


def _text(response) -> str:
    return response.content.decode()


# Commune -----------------------------------------------------------------------------------------


def test_commune_page_explains_its_score(client, territory, national, tmp_path, django_assert_max_num_queries):
    IndicatorValue.objects.filter(indicator="ifn_pauvrete", commune="D1003").update(
        value=None, missing_reason="secret statistique (INSEE)", percentile=None, points=None
    )
    services.fragility_scores_refresh()
    epci = Commune.objects.get(code_insee="D1003").epci_id
    ifn_epci = tmp_path / "ifn-epci.csv"
    ifn_epci.write_text(
        "name,division,code,no_thd_coverage_rate,no_4g_coverage_rate,poverty_rate,older_65_rate,nscol15p_rate,total\n"
        f"CC,epci,{epci},7.5,2,3,4,5,4.3\n",
        encoding="utf-8",
    )
    services.ifn_epcis_import(path=ifn_epci)
    commune = Commune.objects.get(code_insee="D1003")
    client.force_login(national)

    with django_assert_max_num_queries(11):  # + 1: the sites of the commune by kind, whoever looks
        response = client.get(reverse("territory:commune", args=["D1003"]))
    assert response.status_code == 200
    content = _text(response)
    fragility = response.context["fragility"]
    assert fragility.score == commune.fragility_score
    assert f"{commune.fragility_score:.1f}".replace(".", ",") + "/10" in content
    assert f"classe {fragility.score_class} sur 7" in content
    assert fragility.score_class == max(1, math.ceil(commune.fragility_score * 7 / 10))
    # The secret value leaves 5 of the 6 scored indicators.
    assert commune.fragility_indicators == 5
    assert "Calculé sur 5 indicateurs sur 6" in " ".join(content.split())
    # Every indicator is listed, scored or not, with its value, percentile and signed points.
    assert [line.indicator.code for line in fragility.lines] == list(Indicator.objects.values_list("code", flat=True))
    for line in fragility.lines:
        assert escape(line.indicator.label) in content
        value = IndicatorValue.objects.get(indicator=line.indicator, commune=commune)
        assert (line.value, line.percentile, line.points) == (value.value, value.percentile, value.points)
    distance = next(line for line in fragility.lines if line.indicator.code == "distance_aide_numerique")
    assert distance.display_value.endswith("\u00a0km")
    assert distance.display_value in content
    assert f"{distance.percentile:.1f}".replace(".", ",") in content
    signed = {p: (f"+{p}" if p > 0 else f"\u2212{-p}" if p < 0 else "0") for p in range(-3, 4)}
    assert distance.display_points == signed[distance.points]
    assert distance.counted
    poverty = next(line for line in fragility.lines if line.indicator.code == "ifn_pauvrete")
    assert not poverty.counted
    assert "Non disponible : secret statistique (INSEE)" in content
    assert "Non (valeur absente)" in content
    official = next(line for line in fragility.lines if line.indicator.code == "ifn_total")
    assert not official.indicator.scored and "Non (indicateur non retenu)" in content
    # The EPCI's official IFN values.
    assert fragility.has_epci_values
    assert "Valeur de l’EPCI (IFN officiel)" in content
    assert "7,5\u00a0/10" in content
    assert reverse("territory:method") in content


def test_commune_page_shows_the_reason_of_a_value_missing_from_a_user_file(client, territory, national, tmp_path):
    path = tmp_path / "local.csv"
    path.write_text("code_insee;taux\nD1001;12,5\nD1002;s\n", encoding="utf-8")
    services.indicator_file_import(
        path=path, code="local", label="Taux local", column="taux", direction=1, scored=True, unit="%"
    )
    services.fragility_scores_refresh()
    client.force_login(national)
    assert "12,5\u00a0%" in _text(client.get(reverse("territory:commune", args=["D1001"])))
    assert "Non disponible : valeur absente du fichier" in _text(
        client.get(reverse("territory:commune", args=["D1002"]))
    )
    assert "Non disponible : absente du fichier" in _text(client.get(reverse("territory:commune", args=["D1003"])))


def test_commune_without_indicators_says_so(client, territory, national):
    IndicatorValue.objects.all().delete()
    Commune.objects.update(fragility_score=None, fragility_indicators=0)
    client.force_login(national)
    content = _text(client.get(reverse("territory:commune", args=["D1001"])))
    assert "Pas de score" in content


# Département -------------------------------------------------------------------------------------


def test_departement_page_explains_its_score_and_colours_communes(
    client, territory, coordinator, django_assert_max_num_queries
):
    client.force_login(coordinator)
    with django_assert_max_num_queries(13):  # + 1 sites of the département by kind, + 1 map outlines
        response = client.get(reverse("territory:departement", args=["D1"]), {"tri": "score"})
    assert response.status_code == 200
    content = _text(response)
    fragility = response.context["fragility"]
    overall = AreaFragility.objects.get(level="departement", code="D1", indicator__isnull=True)
    assert fragility.score == overall.score is not None
    assert f"{overall.score:.1f}".replace(".", ",") + "/10" in content
    assert "Centile parmi les départements" in content
    rows = {r.indicator_id: r for r in AreaFragility.objects.filter(level="departement", code="D1")}
    for line in fragility.lines:
        row = rows[line.indicator.pk]
        assert (line.value, line.percentile, line.points) == (row.value, row.percentile, row.points)
        assert escape(line.indicator.label) in content
    # Communes table: the score column, most fragile first.
    scores = [c.fragility_score for c in response.context["communes"]]
    assert scores == sorted(scores, reverse=True)
    assert 'aria-sort="descending"' in content and "Score de fragilité (sur 10)" in content
    ascending = client.get(reverse("territory:departement", args=["D1"]), {"tri": "-score"}).context["communes"]
    assert [c.fragility_score for c in ascending] == sorted(scores)
    # Map: one circle per commune, with its score and class; the legend of the 7 classes.
    circles = response.context["map_data"]["communes"]
    assert len(circles) == 12
    code, name, lat, lon, population, score, klass = circles[0]
    commune = Commune.objects.get(code_insee=code)
    assert (name, population, score) == (commune.name, commune.population, commune.fragility_score)
    assert 1 <= klass <= 7
    embedded = json.loads(content.split('id="carte-donnees" type="application/json">')[1].split("</script>")[0])
    assert len(embedded["communes"]) == 12
    for number in range(1, 8):
        assert f"Classe {number} :" in content
    assert "Commune sans score" in content


def test_coordinator_sees_no_fragility_outside_their_departement(client, territory, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("territory:departement", args=["D2"])).status_code == 404
    assert client.get(reverse("territory:commune", args=["D2001"])).status_code == 404
    response = client.get(reverse("territory:france"))
    assert [d.code for d in response.context["departements"]] == ["D1"]
    data = json.loads(_text(response).split('id="carte-donnees" type="application/json">')[1].split("</script>")[0])
    assert set(data["scores"]) == {"D1"}


# France and région -------------------------------------------------------------------------------


def test_france_page_colours_departements_by_score(client, territory, national, django_assert_max_num_queries):
    client.force_login(national)
    with django_assert_max_num_queries(10):  # + 1: the imported map outlines
        response = client.get(reverse("territory:france"))
    content = _text(response)
    expected = sorted(
        AreaFragility.objects.filter(level="departement", indicator__isnull=True).values_list("score", "code"),
        key=lambda row: (-row[0], row[1]),
    )
    assert [(d.fragility_score, d.code) for d in response.context["departements"]] == expected
    data = json.loads(content.split('id="carte-donnees" type="application/json">')[1].split("</script>")[0])
    assert data["mode"] == "departements"
    # The demo's outlines were imported with the reference data: the URL carries their version.
    assert data["contours"]["departements"].startswith(reverse("territory:contours", args=["departements"]) + "?v=")
    for score, code in expected:
        assert data["scores"][code]["score"] == score
        assert 1 <= data["scores"][code]["class"] <= 7
    assert data["departement_url"].replace("__code__", "D1") == reverse("territory:departement", args=["D1"])
    # The table is the text alternative of the map, with links.
    assert "Départements par score de fragilité" in content
    assert reverse("territory:departement", args=[expected[0][1]]) in content
    assert "/static/tremplin/map.js" in content


def test_region_page_lists_departements_by_score(client, territory, national):
    client.force_login(national)
    response = client.get(reverse("territory:region", args=["DM"]))
    assert response.status_code == 200
    departements = response.context["departements"]
    scores = [d.fragility_score for d in departements]
    assert scores == sorted(scores, reverse=True) and None not in scores
    region = AreaFragility.objects.get(level="region", code="DM", indicator__isnull=True)
    assert response.context["fragility"].score == region.score
    assert "Centile parmi les régions" in _text(response)


# Indicators page ---------------------------------------------------------------------------------


def test_indicators_page_requires_login(client, territory):
    assert client.get(reverse("territory:indicators")).status_code == 302
    assert client.get(reverse("territory:method")).status_code == 302


def test_indicators_page_is_read_only_for_others(client, territory, coordinator, django_assert_max_num_queries):
    client.force_login(coordinator)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("territory:indicators"))
    content = _text(response)
    assert response.status_code == 200
    assert response.context["form"] is None
    assert "Consultation seule" in content
    assert reverse("territory:indicator_upload") not in content
    coverage = {i.code: i.coverage for i in response.context["indicators"]}
    assert (
        coverage["ifn_total"]
        == IndicatorValue.objects.filter(indicator="ifn_total", commune__isnull=False, value__isnull=False).count()
    )
    assert coverage["distance_aide_numerique"] == 24


def test_non_national_users_cannot_change_indicators(client, territory, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("territory:indicator_scored", args=["ifn_total"]), {"scored": "1"})
    assert response.status_code == 403
    assert not Indicator.objects.get(code="ifn_total").scored
    upload = SimpleUploadedFile("local.csv", b"code_insee;taux\nD1001;1\n", content_type="text/csv")
    response = client.post(
        reverse("territory:indicator_upload"),
        {"file": upload, "code": "local", "label": "Local", "column": "taux", "code_column": "code_insee",
         "direction": "1"},
    )  # fmt: skip
    assert response.status_code == 403
    assert not Indicator.objects.filter(code="local").exists()


def test_toggle_recomputes_the_scores(client, territory, national):
    before = dict(Commune.objects.values_list("code_insee", "fragility_score"))
    client.force_login(national)
    page = _text(client.get(reverse("territory:indicators")))
    assert reverse("territory:indicator_scored", args=["distance_aide_numerique"]) in page
    assert "csrfmiddlewaretoken" in page

    response = client.post(
        reverse("territory:indicator_scored", args=["distance_aide_numerique"]), {"scored": "0"}, follow=True
    )
    assert response.status_code == 200
    assert "ne compte plus dans le score" in _text(response)
    assert "en cours de recalcul" in _text(response)
    assert not Indicator.objects.get(code="distance_aide_numerique").scored
    # The test settings run the queued task inline (ImmediateBackend).
    assert set(Commune.objects.values_list("fragility_indicators", flat=True)) == {5}
    after = dict(Commune.objects.values_list("code_insee", "fragility_score"))
    assert after != before
    commune = _text(client.get(reverse("territory:commune", args=["D1001"])))
    assert "Calculé sur 5 indicateurs sur 5" in " ".join(commune.split())

    assert client.post(reverse("territory:indicator_scored", args=["inconnu"]), {"scored": "1"}).status_code == 404
    assert client.get(reverse("territory:indicator_scored", args=["ifn_total"])).status_code == 405


def test_toggle_needs_the_csrf_token(territory, national):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(national)
    response = client.post(reverse("territory:indicator_scored", args=["ifn_total"]), {"scored": "1"})
    assert response.status_code == 403
    assert not Indicator.objects.get(code="ifn_total").scored


def _upload(client, content: bytes, name="illectronisme.csv", **fields):
    data = {
        "file": SimpleUploadedFile(name, content, content_type="text/csv"),
        "code": "illectronisme",
        "label": "Taux d'illectronisme estimé",
        "column": "taux",
        "code_column": "code_insee",
        "direction": "1",
        "unit": "%",
        "scored": "on",
        **fields,
    }
    return client.post(reverse("territory:indicator_upload"), data, follow=True)


def test_upload_imports_the_indicator_and_recomputes(client, territory, national):
    client.force_login(national)
    response = _upload(client, b"code_insee;taux\nD1001;12,5\nD1002;s\nZZ999;3\n")
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("territory:indicators")
    content = _text(response)
    assert "Indicateur « Taux d&#x27;illectronisme estimé » importé" in content
    assert "ZZ999" in content and "en cours de recalcul" in content
    indicator = Indicator.objects.get(code="illectronisme")
    assert indicator.scored and indicator.unit == "%" and indicator.source == "illectronisme.csv"
    assert IndicatorValue.objects.get(indicator=indicator, commune="D1001").value == 12.5
    assert Commune.objects.get(code_insee="D1001").fragility_indicators == 7
    assert Commune.objects.get(code_insee="D1002").fragility_indicators == 6
    coverage = {i.code: i.coverage for i in response.context["indicators"]}
    assert coverage["illectronisme"] == 1


@pytest.mark.parametrize(
    ("content", "fields", "message"),
    [
        (
            b"code_insee;taux\nD1001;1\nD1002;douze\n",
            {},
            "bad.csv:3 : valeur non numérique « douze » dans la colonne taux",
        ),
        (b"insee;taux\nD1001;1\n", {}, "bad.csv:1 : en-tête inattendu : colonne(s) manquante(s) code_insee"),
        (b"code_insee;taux\nD1001;1\n", {"code": "ifn_total"}, "indicateur officiel ou calculé"),
        (b"code_insee;taux\n\xff\xfe;1\n", {}, "bad.csv:2 : encodage invalide"),
    ],
)
def test_bad_upload_is_refused_and_writes_nothing(client, territory, national, content, fields, message):
    values = IndicatorValue.objects.count()
    scores = dict(Commune.objects.values_list("code_insee", "fragility_score"))
    client.force_login(national)
    response = _upload(client, content, name="bad.csv", **fields)
    assert response.status_code == 200
    text = _text(response)
    assert "Fichier refusé : rien n’a été enregistré" in text
    assert 'class="fr-alert fr-alert--error' in text
    assert message in text.replace("&quot;", '"')
    assert IndicatorValue.objects.count() == values
    assert not Indicator.objects.filter(code="illectronisme").exists()
    assert dict(Commune.objects.values_list("code_insee", "fragility_score")) == scores


def test_upload_form_errors_are_shown(client, territory, national):
    client.force_login(national)
    response = _upload(client, b"code_insee;taux\nD1001;1\n", code="pas un code !")
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not Indicator.objects.filter(label="Taux d'illectronisme estimé").exists()


# Method page -------------------------------------------------------------------------------------


def test_method_page_explains_bands_and_sources(client, territory, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("territory:method"))
    assert response.status_code == 200
    content = _text(response)
    for expected in ("90 ou plus", "moins de 10", "(somme + 3 × <em>n</em>)", "Valeurs absentes"):
        assert expected in content, expected
    for indicator in Indicator.objects.all():
        assert escape(indicator.label) in content
        assert escape(indicator.source) in content


# Why this score, and the programme's priority view ------------------------------------------------


def test_departement_page_says_why_its_score_and_when_the_priority_view_disagrees(client, territory, national):
    """A département with many QPV and a low score (Seine-Saint-Denis: 75 QPV, 2.2/10) must not mislead."""
    from tests.factories import QpvFactory

    d1 = Commune.objects.get(code_insee="D1001")
    for _ in range(3):
        QpvFactory(communes=[d1])  # D1 now has 5 QPV, D2 2: D1 leads the départements
    AreaFragility.objects.filter(level="departement", code="D1", indicator__isnull=True).update(score=2.2)
    client.force_login(national)

    response = client.get(reverse("territory:departement", args=["D1"]))
    content = re.sub(r"[ \t\n]+", " ", _text(response))
    fragility = response.context["fragility"]
    # Why: the counted indicators that raise and lower the score, with value, percentile and points; those not counted.
    assert "Pourquoi ce score ?" in content
    for line in fragility.raising + fragility.lowering:
        assert line.counted
        assert escape(f"{line.indicator.label} ({line.display_value}, centile") in content
        assert line.display_points in content
    assert fragility.raising or fragility.lowering
    not_selected = {line.indicator.code for line in fragility.not_selected}
    assert {"ifn_total", "rural", "qpv"} <= not_selected
    assert "Non comptés, car non retenus pour le score" in content
    qpv_line = next(line for line in fragility.not_selected if line.indicator.code == "qpv")
    # A département's QPV « value » is the share of its population living in a commune with a QPV, not « oui ».
    assert qpv_line.display_value == selectors.format_value(100 * qpv_line.value, unit="% des habitants")
    assert qpv_line.display_value.endswith("\u00a0% des habitants")
    shown = f"({qpv_line.display_value}, centile {qpv_line.percentile:.1f}".replace(".", ",")
    assert f"{shown}, {qpv_line.display_points} s’il comptait)" in content
    assert escape("Présence d'un quartier prioritaire (QPV)") in content
    # The priority view: QPV, rurality, fragile population, each ranked among départements.
    priority = response.context["priority"]
    assert priority.figures.qpv_count == 5 and priority.qpv.rank == 1 and priority.qpv.total == 2
    assert priority.qpv_priority
    assert "Vue prioritaire du programme" in content
    population = sum(Commune.objects.filter(departement="D1").values_list("population", flat=True))
    rural = sum(Commune.objects.filter(departement="D1").rural().values_list("population", flat=True))
    assert priority.figures.rural_share == pytest.approx(100 * rural / population)
    fragile = sum(
        Commune.objects.filter(departement="D1", fragility_score__gt=40 / 7).values_list("population", flat=True)
    )
    assert priority.figures.fragile_population == fragile
    assert priority.figures.qpv_commune_population == d1.population
    # The score and the QPV view disagree: a clear sentence says so.
    assert priority.disagrees
    assert "Le score et la vue prioritaire ne disent pas la même chose" in content
    assert "(2,2/10) est inférieur à la moyenne" in content
    assert "au titre des quartiers prioritaires (5 QPV, 1er des 2 départements)" in content

    # Where the score is high enough, or the département is not a priority, no such sentence.
    AreaFragility.objects.filter(level="departement", code="D1", indicator__isnull=True).update(score=6.5)
    assert "ne disent pas la même chose" not in _text(client.get(reverse("territory:departement", args=["D1"])))
    AreaFragility.objects.filter(level="departement", code="D2", indicator__isnull=True).update(score=2.2)
    other = client.get(reverse("territory:departement", args=["D2"]))
    assert not other.context["priority"].qpv_priority
    assert other.context["priority"].disagrees == other.context["priority"].rural_priority
