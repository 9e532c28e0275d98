"""export_places: official CSV / JSON validated against schema.json, data·inclusion against its JSON schemas."""

import csv
import json
from io import StringIO

import jsonschema
import pytest
from django.core.management import call_command
from frictionless import Resource, Schema

from tremplin.places.models import Place
from tremplin.places.schema import ETAPES_EXPORTED, FIELDS

pytestmark = pytest.mark.django_db

COMPARED = (
    "pivot", "name", "city", "postcode", "code_insee", "address", "address_complement", "latitude", "longitude",
    "typology", "phone", "emails", "website", "hours", "hours_valid", "summary", "description", "source", "mobility",
    "parent_structure", "source_updated_on", "services", "publics", "specific_support", "fees",
    "national_programmes", "labels", "other_labels", "access_modes", "support_modes", "accessibility_url",
    "appointment_url",
)  # fmt: skip


def run(command, *args):
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def official_schema(shared_data):
    return Schema.from_descriptor(json.loads((shared_data / "schema_mediation_numerique" / "schema.json").read_text()))


def validate_csv(path, shared_data):
    """frictionless refuses absolute paths as unsafe: read the file relative to its folder."""
    return Resource(path=path.name, basepath=str(path.parent), schema=official_schema(shared_data)).validate()


def snapshot():
    return {p.external_id: tuple(getattr(p, f) for f in COMPARED) for p in Place.objects.all()}


@pytest.fixture
def imported(shared_data, tmp_path):
    """The official example, the Île-de-France file and a place with every multi-valued field."""
    run("import_places", str(shared_data / "schema_mediation_numerique" / "exemple-valide.csv"))
    run("import_places", str(shared_data / "lieux_mediation_numerique" / "lieux_idf_2022-08.json"))
    full = {
        "id": "complet", "pivot": "W123456789", "nom": "Lieu complet", "commune": "Nouméa", "code_postal": "98800",
        "code_insee": "98818", "adresse": "1 rue", "latitude": -22.27, "longitude": 166.45,
        "telephone": "+687123456", "date_maj": "2024-05-01", "itinerance": "Itinérant|Fixe",
        "services": "Aide aux démarches administratives|Accès internet et matériel informatique",
        "publics_specifiquement_adresses": "Seniors|Femmes", "prise_en_charge_specifique": "Surdité",
        "frais_a_charge": "Payant", "dispositif_programmes_nationaux": "France Services|Aidants Connect",
        "formations_labels": "Étapes numériques (La Poste)|ORDI 3.0",
        "modalites_acces": "Téléphoner|Prendre un RDV en ligne", "modalites_accompagnement": "À distance",
        "prise_rdv": "https://rdv.example.org/", "site_web": "https://lieu.example.org/", "courriels": "a@b.fr",
        "presentation_resume": "Un lieu pour tout le monde.", "horaires": "Mo-Fr 09:00-12:00",
    }  # fmt: skip
    path = tmp_path / "complet.json"
    path.write_text(json.dumps([full]), encoding="utf-8")
    run("import_places", str(path))
    assert Place.objects.count() == 134
    return shared_data


def test_csv_export_validates_against_the_official_schema(imported, tmp_path):
    out = tmp_path / "lieux.csv"
    assert "134 lieux exportés" in run("export_places", "--format", "csv", "--out", str(out))
    report = validate_csv(out, imported)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == FIELDS
    full = next(r for r in rows if r["id"] == "complet")
    assert full["formations_labels"] == f"{ETAPES_EXPORTED}|ORDI 3.0"
    assert full["services"] == "Aide aux démarches administratives|Accès internet et matériel informatique"
    assert full["date_maj"] == "2024-05-01"


def test_the_spelling_described_by_the_schema_would_not_validate(imported, tmp_path):
    """Why the export writes « Étapes numériques(La Poste) »: the schema's pattern has no space."""
    out = tmp_path / "lieux.csv"
    run("export_places", "--format", "csv", "--out", str(out))
    described = out.read_text(encoding="utf-8").replace(ETAPES_EXPORTED, "Étapes numériques (La Poste)")
    out.write_text(described, encoding="utf-8")
    report = validate_csv(out, imported)
    assert not report.valid
    assert {field for (field,) in report.flatten(["fieldName"])} == {"formations_labels"}


def test_json_export_validates_and_round_trips(imported, tmp_path):
    before = snapshot()
    out = tmp_path / "lieux.json"
    run("export_places", "--format", "json", "--out", str(out))
    records = json.loads(out.read_text(encoding="utf-8"))
    assert [list(r) for r in records[:1]] == [list(FIELDS)]
    rows = [list(FIELDS)] + [[r[f] for f in FIELDS] for r in records]
    report = Resource(data=rows, schema=official_schema(imported)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]

    Place.objects.all().delete()
    assert "134 lieux importés, 0 mis à jour, 0 rejetés" in run("import_places", str(out))
    assert snapshot() == before


def test_csv_round_trip_gives_the_same_places(imported, tmp_path):
    before = snapshot()
    out = tmp_path / "lieux.csv"
    run("export_places", "--format", "csv", "--out", str(out))
    Place.objects.all().delete()
    assert "134 lieux importés, 0 mis à jour, 0 rejetés" in run("import_places", str(out))
    assert snapshot() == before


def test_data_inclusion_export_validates_against_its_schemas(imported, tmp_path):
    out = tmp_path / "data-inclusion.json"
    run("export_places", "--format", "data-inclusion", "--out", str(out))
    document = json.loads(out.read_text(encoding="utf-8"))
    folder = imported / "schema_data_inclusion" / "schemas" / "v1"
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    for key, name in (("structures", "structure.json"), ("services", "service.json")):
        validator = jsonschema.Draft202012Validator(json.loads((folder / name).read_text()), format_checker=checker)
        assert len(document[key]) == 134
        for item in document[key]:
            errors = [e.message for e in validator.iter_errors(item)]
            assert not errors, (item["id"], errors)
    structure = next(s for s in document["structures"] if s["id"] == "complet")
    assert structure["reseaux_porteurs"] == ["france-service", "aidants-connect", "la-poste"]
    assert structure["siret"] is None  # an RNA number is not a SIRET
    service = next(s for s in document["services"] if s["structure_id"] == "complet")
    assert service["thematiques"] == [
        "numerique--acceder-a-des-services-en-ligne",
        "numerique--acceder-a-une-connexion-internet",
    ]
    assert service["modes_mobilisation"] == ["telephoner", "utiliser-lien-mobilisation"]
    assert service["frais"] == "payant" and service["publics"] == [
        "seniors",
        "femmes",
        "personnes-en-situation-de-handicap",
    ]
