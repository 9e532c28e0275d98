"""Uploads (issue 15): every file sent to the platform is checked by size, extension and content, in French
(tremplin/www/uploads.py), by each upload form of the project."""

import importlib
import inspect
import io
import json
import pkgutil

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

import tremplin.www
from tests.beneficiaries.worlds import make_world
from tremplin.activities.models import Activity
from tremplin.network.models import Site
from tremplin.territories.models import Departement, Indicator
from tremplin.www.activities.coop_views import CoopImportForm
from tremplin.www.mandates.forms import SignatureForm
from tremplin.www.planning.forms import ScenarioForm
from tremplin.www.territory.forms import IndicatorUploadForm
from tremplin.www.uploads import check_upload, size_text

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 32
CSV = b"code_insee;taux\n22113;12,5\n22070;8\n"


def xlsx() -> bytes:
    workbook = Workbook()
    workbook.active.append(["Date", "Thématique"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def refusal(file, **kwargs) -> str:
    with pytest.raises(ValidationError) as error:
        check_upload(file, **kwargs)
    return " ".join(error.value.messages)


# --- the validator -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "kinds"),
    [
        ("export.csv", CSV, ("xlsx", "csv")),
        ("export.CSV", "Thématique;Durée\nDémarches;30\n".encode("cp1252"), ("xlsx", "csv")),  # Excel's own CSV
        ("export.csv", b"\xef\xbb\xbf" + CSV, ("xlsx", "csv")),  # UTF-8 with BOM
        ("export.xlsx", xlsx(), ("xlsx", "csv")),
        ("plan.geojson", b'{"type": "FeatureCollection", "features": []}', ("csv", "geojson")),
        ("plan.json", b'\n  {"type": "FeatureCollection", "features": []}', ("csv", "geojson")),
        ("scan.pdf", PDF, ("pdf", "jpeg", "png")),
        ("photo.JPG", JPEG, ("pdf", "jpeg", "png")),
        ("photo.png", PNG, ("pdf", "jpeg", "png")),
    ],
)
def test_the_right_file_is_accepted_and_read_again_from_its_start(name, content, kinds):
    file = upload(name, content)
    assert check_upload(file, kinds=kinds) is file
    assert file.read() == content


@pytest.mark.parametrize(
    ("name", "content", "kinds", "message"),
    [
        ("export.csv", PDF, ("xlsx", "csv"), "Ce fichier n'est pas un XLSX ou un CSV."),
        ("export.csv", xlsx(), ("xlsx", "csv"), "Ce fichier n'est pas un XLSX ou un CSV."),  # a workbook named .csv
        ("export.csv", EXE, ("xlsx", "csv"), "Ce fichier n'est pas un XLSX ou un CSV."),
        ("export.csv", b"a;b\n\x00\x01\x02\x03", ("xlsx", "csv"), "Ce fichier n'est pas un XLSX ou un CSV."),
        ("export.xlsx", CSV, ("xlsx", "csv"), "Ce fichier n'est pas un XLSX ou un CSV."),  # text named .xlsx
        ("export.xlsx", PDF, ("xlsx", "csv"), "Ce fichier n'est pas un XLSX ou un CSV."),
        ("plan.geojson", CSV, ("csv", "geojson"), "Ce fichier n'est pas un CSV ou un GeoJSON."),
        (
            "plan.geojson",
            b"PK\x03\x04" + b"\x00" * 30,
            ("csv", "geojson"),
            "Ce fichier n'est pas un CSV ou un GeoJSON.",
        ),
        ("photo.png", EXE, ("pdf", "jpeg", "png"), "Ce fichier n'est pas un PDF, une photo JPEG ou une image PNG."),
        ("scan.pdf", JPEG, ("pdf", "jpeg", "png"), "Ce fichier n'est pas un PDF, une photo JPEG ou une image PNG."),
    ],
)
def test_a_file_disguised_with_the_right_extension_is_refused(name, content, kinds, message):
    assert refusal(upload(name, content), kinds=kinds) == message


def test_a_file_of_another_type_is_refused_by_its_name():
    message = refusal(upload("export.pdf", PDF), kinds=("xlsx", "csv"))
    assert message == "Le fichier doit être un classeur XLSX ou un fichier CSV."
    assert refusal(upload("export", CSV), kinds=("csv",)) == "Le fichier doit être un fichier CSV."
    assert refusal(upload("vide.csv", b""), kinds=("csv",)) == "Le fichier est vide."


def test_the_size_limit_is_a_setting_with_a_default_of_10_mo(settings):
    # the default of tremplin/settings/base.py (TREMPLIN_UPLOAD_MAX_BYTES not in the environment)
    ten = 10 * 1024 * 1024
    assert check_upload(upload("export.csv", b"a" * ten), kinds=("csv",))
    assert refusal(upload("export.csv", b"a" * (ten + 1)), kinds=("csv",)) == "Le fichier dépasse 10 Mo."
    settings.TREMPLIN_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    assert refusal(upload("export.csv", b"a" * (2 * 1024 * 1024 + 1)), kinds=("csv",)) == "Le fichier dépasse 2 Mo."
    assert refusal(upload("export.csv", CSV), kinds=("csv",), max_bytes=20) == "Le fichier dépasse 20 octets."
    assert size_text(1536) == "1,5 ko" and size_text(30 * 1024 * 1024) == "30 Mo"


# --- every upload form uses it -------------------------------------------------------------------------------------


def _form_classes():
    for module_info in pkgutil.walk_packages(tremplin.www.__path__, "tremplin.www."):
        module = importlib.import_module(module_info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                yield value


def test_every_file_field_of_the_screens_goes_through_check_upload():
    """A new upload field without the check fails here (its form's clean_<field> must call check_upload)."""
    found, unchecked = [], []
    for form_class in _form_classes():
        for name, field in form_class.base_fields.items():
            if isinstance(field, forms.FileField):
                found.append(f"{form_class.__name__}.{name}")
                clean = getattr(form_class, f"clean_{name}", None)
                if clean is None or "check_upload(" not in inspect.getsource(clean):
                    unchecked.append(f"{form_class.__module__}.{form_class.__name__}.{name}")
    assert not unchecked, f"Envois de fichiers sans tremplin.www.uploads.check_upload : {unchecked}"
    assert {"CoopImportForm.file", "IndicatorUploadForm.file", "ScenarioForm.start_plan", "SignatureForm.scan"} <= set(
        found
    )


def test_each_upload_form_refuses_a_disguised_file_and_one_too_big(settings, db):
    settings.TREMPLIN_UPLOAD_MAX_BYTES = 1024
    coop = CoopImportForm(data={}, files={"file": upload("export.xlsx", CSV)})
    assert coop.errors["file"] == ["Ce fichier n'est pas un XLSX ou un CSV."]
    coop = CoopImportForm(data={}, files={"file": upload("export.csv", b"a;b\n" * 300)})
    assert coop.errors["file"] == ["Le fichier dépasse 1 ko."]

    indicator = IndicatorUploadForm(data={}, files={"file": upload("taux.csv", PDF)})
    assert indicator.errors["file"] == ["Ce fichier n'est pas un CSV."]
    indicator = IndicatorUploadForm(data={}, files={"file": upload("taux.csv", b"a" * (30 * 1024 * 1024 + 1))})
    assert indicator.errors["file"] == ["Le fichier dépasse 30 Mo."]  # its own limit, said in its help text

    plan_kwargs = {"departements": Departement.objects.all(), "sites": Site.objects.all(), "restricted": False}
    plan = ScenarioForm(data={}, files={"start_plan": upload("plan.geojson", EXE)}, **plan_kwargs)
    assert plan.errors["start_plan"] == ["Ce fichier n'est pas un CSV ou un GeoJSON."]
    big_plan = upload("plan.csv", b"identifiant La Poste\n" + b"D1001P\n" * (800 * 1024))
    plan = ScenarioForm(data={}, files={"start_plan": big_plan}, **plan_kwargs)
    assert plan.errors["start_plan"] == ["Le fichier dépasse 5 Mo."]

    scan = SignatureForm(data={"method": "papier"}, files={"scan": upload("mandat.pdf", EXE)})
    assert scan.errors["scan"] == ["Ce fichier n'est ni un PDF, ni une photo JPEG ou PNG."]
    scan = SignatureForm(data={"method": "papier"}, files={"scan": upload("mandat.pdf", PDF + b"0" * 11 * 1024 * 1024)})
    assert scan.errors["scan"] == ["Le fichier dépasse 10 Mo."]
    scan = SignatureForm(data={"method": "papier", "signed_in_front_of_me": "on"}, files={"scan": upload("m.pdf", PDF)})
    assert scan.is_valid(), scan.errors
    assert scan.cleaned_data["scan"] == PDF  # its bytes, for the fingerprint


def test_the_coop_import_page_refuses_a_disguised_file_and_writes_nothing(client, db):
    world = make_world()
    client.force_login(world.users.mediator)
    disguised = upload("activites.xlsx", json.dumps({"pas": "un classeur"}).encode())
    response = client.post(reverse("activities:coop_import"), {"file": disguised, "dry_run": ""})
    assert response.status_code == 200
    assert "Ce fichier n&#x27;est pas un XLSX ou un CSV." in response.content.decode()
    assert not Activity.objects.exists()


def test_the_indicator_import_page_refuses_a_disguised_file_and_writes_nothing(client, db):
    world = make_world()
    client.force_login(world.users.national)
    data = {"code": "taux_essai", "label": "Taux", "column": "taux", "code_column": "code_insee", "direction": "1"}
    response = client.post(reverse("territory:indicator_upload"), {**data, "file": upload("taux.csv", PNG)})
    assert response.status_code == 200
    assert "Ce fichier n&#x27;est pas un CSV." in response.content.decode()
    assert not Indicator.objects.filter(code="taux_essai").exists()
