"""Reading back an exported plan as a starting deployment (pure, no database)."""

import json

import pytest

from tremplin.planning.feasibility import PlanningError
from tremplin.planning.plan_files import office_ids

CSV = (
    "\ufeffmédiateur;département;identifiant La Poste;bureau;commune;latitude;longitude;"
    "population atteinte par le médiateur\r\n"
    "1;22;D1001P;BUREAU A;Ville;48,1;-2,5;1200\r\n"
    "1;22;D1002P;BUREAU B;Ville;48,2;-2,4;1200\r\n"
    "2;29;D1001P;BUREAU A;Ville;48,1;-2,5;800\r\n"
)


def test_the_csv_export_gives_its_offices_once_each_in_file_order():
    assert office_ids("scenario-3.csv", CSV.encode("utf-8")) == ["D1001P", "D1002P"]


def test_the_geojson_export_gives_its_offices():
    data = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": None, "properties": {"id": "D2001P", "communes_atteintes": ["22001"]}},
            {"type": "Feature", "geometry": None, "properties": {"id": "D2002P"}},
        ],
    }
    assert office_ids("plan.geojson", json.dumps(data).encode()) == ["D2001P", "D2002P"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("plan.csv", b"a;b;c\r\n1;2;3\r\n", "Colonne « identifiant La Poste » introuvable"),
        ("plan.csv", CSV.replace("D1002P", "").encode(), "Ligne 3 : identifiant La Poste manquant"),
        ("plan.csv", CSV.splitlines()[0].encode(), "aucun bureau"),
        ("plan.geojson", b"{not json", "GeoJSON illisible"),
        ("plan.geojson", b'{"type": "Feature"}', "FeatureCollection"),
        ("plan.geojson", b'{"type": "FeatureCollection", "features": [{"properties": {}}]}', "Objet n° 1"),
        ("plan.xlsx", b"PK\x03\x04", "Format non reconnu"),
        ("plan.csv", b"\xff\xfe\x00\x00" * 10 + b"\x81\x8d", "texte lisible"),
        ("plan.csv", b"x" * (5 * 1024 * 1024 + 1), "trop volumineux"),
    ],
)
def test_bad_files_are_refused_with_the_reason_in_french(name, content, message):
    with pytest.raises(PlanningError, match=message) as info:
        office_ids(name, content)
    assert info.value.param == "start_plan"
