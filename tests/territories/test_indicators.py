"""Indicators read from official and user files, missing values made explicit, scores computed."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tremplin.demo.territory import write_demo_territory
from tremplin.territories.models import AreaFragility, Commune, Indicator, IndicatorValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def territory(tmp_path):
    data = write_demo_territory(tmp_path / "data", communes_per_departement=12)
    call_command("import_reference", data_dir=str(data), stdout=StringIO())
    return data


def test_reference_import_scores_every_commune_and_area(territory):
    assert Indicator.objects.scored().count() == 6  # five IFN components + distance to a help point
    assert not Commune.objects.filter(fragility_score__isnull=True).exists()
    for commune in Commune.objects.all():
        assert 0 <= commune.fragility_score <= 10
        assert commune.fragility_indicators == 6
    value = IndicatorValue.objects.get(indicator="ifn_total", commune="D1001")
    assert value.percentile is not None and -3 <= value.points <= 3
    assert AreaFragility.objects.filter(level="departement", indicator__isnull=True, score__isnull=False).count() == 2
    assert AreaFragility.objects.filter(level="region", indicator="distance_aide_numerique").count() == 1


def test_user_indicator_file_with_missing_values_and_unknown_codes(territory, tmp_path):
    path = tmp_path / "illectronisme.csv"
    path.write_text("code_insee;taux\nD1001;12,5\nD1002;s\nD1003;\nZZ999;4\n", encoding="utf-8")
    out = StringIO()
    call_command(
        "import_indicator", str(path), code="illectronisme_local", label="Taux local", column="taux",
        direction=1, scored=True, stdout=out,
    )  # fmt: skip
    assert "ZZ999" in out.getvalue()
    values = {v.commune_id: v for v in IndicatorValue.objects.filter(indicator="illectronisme_local")}
    assert values["D1001"].value == 12.5
    assert values["D1002"].value is None and values["D1002"].missing_reason == "valeur absente du fichier"
    assert values["D2005"].value is None and values["D2005"].missing_reason == "absente du fichier"
    assert Commune.objects.get(code_insee="D1001").fragility_indicators == 7
    assert Commune.objects.get(code_insee="D1002").fragility_indicators == 6


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        ("code_insee;taux\nD1001;douze\n", {}, "valeur non numérique « douze »"),
        ("insee;taux\nD1001;1\n", {}, "colonne(s) manquante(s) code_insee"),
        ("code_insee;taux\nD1001;1\nD1001;2\n", {}, "identifiant en double"),
        ("code_insee;taux\nD1001;1\n", {"code": "ifn_total"}, "indicateur officiel ou calculé"),
        ("code_insee;taux\nD1001;1\n", {"code": "pas un code !"}, "lettres"),
    ],
)
def test_bad_user_files_are_refused_and_write_nothing(territory, tmp_path, content, options, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    before = IndicatorValue.objects.count()
    kwargs = {"code": "mon_indicateur", "label": "Mon indicateur", "column": "taux", "direction": 1, **options}
    with pytest.raises(CommandError) as excinfo:
        call_command("import_indicator", str(path), stdout=StringIO(), **kwargs)
    assert "rien n'a été écrit" in str(excinfo.value)
    assert message in str(excinfo.value)
    assert IndicatorValue.objects.count() == before
    assert not Indicator.objects.filter(code="mon_indicateur").exists()
