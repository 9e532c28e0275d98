"""The mandate's printed documents: the attestation (paper or tablet), the revocation receipt, the QR code that
opens the public verification page, and the signature drawn on the tablet."""

import base64
import datetime
import hashlib
import io
import re
import shutil
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import qrcode
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import UserFactory
from tremplin.beneficiaries import disclosure
from tremplin.beneficiaries.enums import AccessPurpose
from tremplin.mandates import documents
from tremplin.mandates.enums import (
    Category,
    Duration,
    IdentityDocument,
    IdentityMethod,
    RevocationBy,
    Status,
)
from tremplin.mandates.models import Authorisation, IdentityCheck, Mandate
from tremplin.mandates.texts import text_in_force

PARIS = ZoneInfo("Europe/Paris")
_codes = iter(range(1000, 10_000))


# --- factories of this package (the lead's services come later: rows straight through the ORM) -------------------


def make_mandate(
    *,
    status=Status.SIGNED,
    categories=(Category.HOUSING, Category.MONEY),
    duration=Duration.YEAR,
    starts_at=None,
    ends_at=None,
    ended_at=None,
    code=None,
    beneficiary=None,
    mediator=None,
    **fields,
) -> Mandate:
    """A mandate of `beneficiary`'s organisation, prepared by `mediator`, with one authorisation per category.

    Signed ones (and any later state) get dates: by default signed on 1 June 2026, valid to 31 May 2027 inclus."""
    beneficiary = beneficiary or BeneficiaryFactory(first_name="Josiane", last_name="Lebrun", birth_year=1943)
    mediator = mediator or UserFactory(mediator=True, organisation=beneficiary.organisation, sites=[beneficiary.site])
    check = IdentityCheck.objects.create(
        beneficiary=beneficiary,
        organisation=beneficiary.organisation,
        method=IdentityMethod.DOCUMENT,
        document=IdentityDocument.ID_CARD,
        checked_by=mediator,
    )
    text = text_in_force(datetime.date(2026, 6, 1))
    if status != Status.AWAITING_SIGNATURE and status != Status.CANCELLED:
        starts_at = starts_at or datetime.datetime(2026, 6, 1, 10, 30, tzinfo=PARIS)
        ends_at = ends_at or datetime.datetime(2027, 6, 1, 0, 0, tzinfo=PARIS)
    mandate = Mandate.objects.create(
        organisation=beneficiary.organisation,
        beneficiary=beneficiary,
        duration=duration,
        status=status,
        text_version=text.version,
        text=text.body,
        text_sha256=text.sha256,
        verification_code=code or f"K7QF-9M2X-{next(_codes)}",
        identity_check=check,
        created_by=mediator,
        created_at=starts_at or timezone.now(),
        starts_at=starts_at,
        ends_at=ends_at,
        ended_at=ended_at,
        **fields,
    )
    for category in categories:
        Authorisation.objects.create(mandate=mandate, category=category)
    return mandate


def shown(mandate: Mandate):
    """The person as the mediator who prepared the mandate sees them (the read path, never the record's fields)."""
    return disclosure.person_shown(mandate.created_by, mandate.beneficiary, purpose=AccessPurpose.RECORD)


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def link_annotations(pdf: bytes) -> list[tuple[str, list[float], int]]:
    """(URI, rectangle, page index) of every link of the PDF."""
    links = []
    for index, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            action = annotation.get("/A")
            if annotation.get("/Subtype") == "/Link" and action and "/URI" in action:
                links.append((str(action["/URI"]), [float(v) for v in annotation["/Rect"]], index))
    return links


def png_data_url(size=(300, 120), drawn=True) -> str:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if drawn:
        for x in range(20, 280):
            image.putpixel((x, 60 + (x % 20) - 10), (0, 0, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@pytest.fixture(autouse=True)
def public_url(settings):
    settings.TREMPLIN_PUBLIC_URL = "https://tremplin.example.fr/"


# --- attestation -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_attestation_says_who_what_until_when_and_how_to_check():
    mandate = make_mandate()
    pdf = documents.attestation_pdf(
        mandate=mandate, person=shown(mandate), organisation_name="Association Le Lien", mediator_name="Camille Martin"
    )
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Mandat pour réaliser des démarches en ligne en votre nom" in text
    assert "Josiane Lebrun" in text
    assert "Association Le Lien" in text and "Camille Martin" in text
    assert "Logement" in text and "aides au logement (APL)" in text
    assert "Argent - Impôts" in text and "déclaration de revenus" in text
    assert "Justice" not in text  # not a category of this mandate
    assert "Douze mois" in text
    assert "jusqu'au 31 mai 2027 inclus" in text
    assert "version du 1er janvier 2026" in text
    assert "J'autorise l'organisation nommée sur ce mandat" in text  # the frozen text
    assert "quand vous voulez" in text  # revocable at any time, and how
    assert mandate.verification_code in text
    assert "Signature de la personne" in text and "Signature du médiateur" in text
    assert "Signé sur tablette" not in text


@pytest.mark.django_db
def test_attestation_qr_code_and_link_open_the_verification_page():
    mandate = make_mandate(code="AB12-CD34-EF56")
    url = documents.verification_url(mandate)
    assert url == "https://tremplin.example.fr" + reverse("mandates_public:verify_code", args=["AB12-CD34-EF56"])
    assert url == "https://tremplin.example.fr/verifier-un-mandat/AB12-CD34-EF56/"
    pdf = documents.attestation_pdf(mandate=mandate, person=shown(mandate), organisation_name="O", mediator_name="M")
    assert {uri for uri, _, _ in link_annotations(pdf)} == {url}
    assert url in pdf_text(pdf).replace(" ", "")


def svg_matrix(svg: str) -> list[list[bool]]:
    """The modules of an SVG QR code drawn by qrcode's SvgPathImage (one unit square per dark module)."""
    path = re.search(r'<path[^>]* d="([^"]+)"', svg).group(1)
    modules = {(round(float(x)), round(float(y))) for x, y in re.findall(r"M(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)", path)}
    size = max(max(x for x, _ in modules), max(y for _, y in modules)) + 1
    return [[(x, y) in modules for x in range(size)] for y in range(size)]


def expected_matrix(url: str) -> list[list[bool]]:
    code = qrcode.QRCode(border=0)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


@pytest.mark.django_db
def test_qr_svg_encodes_the_verification_url():
    mandate = make_mandate()
    url = documents.verification_url(mandate)
    matrix = svg_matrix(documents.qr_svg(url))
    # The SVG's modules start after the quiet zone (4 modules): compare the drawn part with a fresh encoding.
    trimmed = [row[4:] for row in matrix[4:]]
    assert trimmed == expected_matrix(url)
    assert trimmed != expected_matrix(url + "x")


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) absent")
def test_printed_qr_code_reads_as_the_verification_url(tmp_path):
    """Rasterise the page, crop the QR code under its link, sample each module: the printed code is the URL's."""
    mandate = make_mandate()
    url = documents.verification_url(mandate)
    pdf = documents.attestation_pdf(mandate=mandate, person=shown(mandate), organisation_name="O", mediator_name="M")
    links = [(rect, index) for uri, rect, index in link_annotations(pdf) if uri == url]
    # The link around the QR code is the square one (the printed address is a wide, low one).
    (x0, y0, x1, y1), page_index = min(
        links, key=lambda link: abs(abs(link[0][2] - link[0][0]) - abs(link[0][3] - link[0][1]))
    )
    x0, x1, y0, y1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
    (tmp_path / "a.pdf").write_bytes(pdf)
    dpi = 300
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-f", str(page_index + 1), "-l", str(page_index + 1)]
        + ["-singlefile", "-gray", str(tmp_path / "a.pdf"), str(tmp_path / "page")],
        check=True,
    )
    page = Image.open(tmp_path / "page.png").convert("L")
    height_pt = float(PdfReader(io.BytesIO(pdf)).pages[page_index].mediabox.height)
    scale = dpi / 72
    box = (x0 * scale, (height_pt - y1) * scale, x1 * scale, (height_pt - y0) * scale)
    crop = page.crop(tuple(round(v) for v in box))
    dark = [[crop.getpixel((x, y)) < 128 for x in range(crop.width)] for y in range(crop.height)]
    rows = [y for y in range(crop.height) if any(dark[y])]
    cols = [x for x in range(crop.width) if any(dark[y][x] for y in rows)]
    top, bottom, left, right = rows[0], rows[-1], cols[0], cols[-1]
    expected = expected_matrix(url)
    n = len(expected)
    step_x, step_y = (right - left + 1) / n, (bottom - top + 1) / n
    read = [
        [dark[round(top + (j + 0.5) * step_y)][round(left + (i + 0.5) * step_x)] for i in range(n)] for j in range(n)
    ]
    assert read == expected
    assert read != expected_matrix(url.replace("K7QF", "K7QG"))


@pytest.mark.django_db
def test_attestation_not_yet_signed_says_the_end_if_signed_today():
    mandate = make_mandate(status=Status.AWAITING_SIGNATURE, duration=Duration.MONTH, categories=[Category.JUSTICE])
    end = timezone.localdate(timezone.now() + datetime.timedelta(days=31))  # Aidants Connect's month: 31 days
    pdf = documents.attestation_pdf(mandate=mandate, person=shown(mandate), organisation_name="O", mediator_name="M")
    text = pdf_text(pdf)
    assert "Un mois, à partir du jour où vous signez" in text
    until = f"jusqu'au {documents.french_date(end, 'j F Y')}, à l'heure où vous signez"
    assert f"Si vous signez aujourd'hui, il est valable {until}" in text


@pytest.mark.django_db
def test_one_day_mandate_not_yet_signed_ends_tonight():
    mandate = make_mandate(status=Status.AWAITING_SIGNATURE, duration=Duration.DAY)
    pdf = documents.attestation_pdf(mandate=mandate, person=shown(mandate), organisation_name="O", mediator_name="M")
    today = documents.french_date(timezone.localdate(), "j F Y")
    assert f"Si vous signez aujourd'hui, il est valable jusqu'au {today} inclus" in pdf_text(pdf)


@pytest.mark.django_db
def test_attestation_signed_on_the_tablet_embeds_the_drawing():
    mandate = make_mandate()
    signature = documents.decode_signature(png_data_url())
    pdf = documents.attestation_pdf(
        mandate=mandate, person=shown(mandate), organisation_name="O", mediator_name="Camille", signature_png=signature
    )
    text = pdf_text(pdf)
    assert "Signé sur tablette le 1er juin 2026 à 10h30" in text
    assert "Fait à" not in text
    images = [image for page in PdfReader(io.BytesIO(pdf)).pages for image in page.images]
    assert any(image.image.size == (300, 120) for image in images)  # the drawn signature, as sent


@pytest.mark.django_db
def test_attestation_refuses_a_masked_person():
    mandate = make_mandate()
    outsider = UserFactory(mediator=True)  # another organisation: sees « Personne d'une autre structure »
    person = disclosure.person_shown(outsider, mandate.beneficiary, purpose=AccessPurpose.RECORD)
    with pytest.raises(ValueError, match="organisation qui suit la personne"):
        documents.attestation_pdf(mandate=mandate, person=person, organisation_name="O", mediator_name="M")


def test_valid_until_in_french():
    assert documents.valid_until_text(datetime.datetime(2027, 6, 1, tzinfo=PARIS)) == "jusqu'au 31 mai 2027 inclus"
    assert documents.valid_until_text(datetime.datetime(2027, 3, 2, tzinfo=PARIS)) == "jusqu'au 1er mars 2027 inclus"
    assert documents.valid_until_text(datetime.datetime(2027, 6, 1, 10, 30, tzinfo=PARIS)) == (
        "jusqu'au 1er juin 2027 à 10h30"
    )


# --- revocation receipt ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_receipt_of_a_whole_revocation():
    mandate = make_mandate(
        status=Status.REVOKED,
        ended_at=datetime.datetime(2026, 9, 14, 15, 5, tzinfo=PARIS),
        revoked_on_behalf_of=RevocationBy.PERSON,
        revocation_reason="La personne fait maintenant ses démarches avec sa fille.",
    )
    pdf = documents.revocation_receipt_pdf(
        mandate=mandate, person=shown(mandate), organisation_name="Association Le Lien", revoked_by_name="Camille"
    )
    text = pdf_text(pdf)
    assert "Reçu de révocation du mandat" in text
    assert "Josiane Lebrun" in text
    assert "14 septembre 2026 à 15h05" in text
    assert "Vous l'avez demandé" in text and "Enregistré par Camille" in text
    assert "La personne fait maintenant ses démarches avec sa fille." in text
    assert "Logement" in text and "Argent - Impôts" in text
    assert mandate.verification_code in text
    assert {uri for uri, _, _ in link_annotations(pdf)} == {documents.verification_url(mandate)}


@pytest.mark.django_db
def test_receipt_of_some_categories_says_what_goes_on():
    mandate = make_mandate(categories=[Category.HOUSING, Category.MONEY, Category.JUSTICE])
    mandate.authorisations.filter(category=Category.JUSTICE).update(
        revoked_at=datetime.datetime(2026, 7, 1, 9, 0, tzinfo=PARIS)
    )
    pdf = documents.revocation_receipt_pdf(
        mandate=mandate,
        person=shown(mandate),
        organisation_name="Association Le Lien",
        categories=[Category.JUSTICE],
        on_behalf_of=RevocationBy.ORGANISATION,
        reason="",
    )
    text = pdf_text(pdf)
    assert "Reçu de révocation d'une partie du mandat" in text
    assert "1er juillet 2026 à 09h00" in text
    retired, goes_on = text.split("Ce qui continue")
    assert "Justice" in retired and "Logement" not in retired
    assert "Logement" in goes_on and "Argent - Impôts" in goes_on and "Justice" not in goes_on.split("Qui l'a")[0]
    assert "jusqu'au 31 mai 2027 inclus" in goes_on
    assert "Par l'organisation" in text


@pytest.mark.django_db
def test_receipt_without_categories_says_what_the_mandate_records():
    """Called with the mandate only (the receipt link of the mandate's page): revoked categories, or the whole."""
    partly = make_mandate(categories=[Category.HOUSING, Category.JUSTICE])
    partly.authorisations.filter(category=Category.JUSTICE).update(
        revoked_at=timezone.now(),
        revoked_by=partly.created_by,
        revoked_on_behalf_of=RevocationBy.PERSON,
        revocation_reason="Plus besoin.",
    )
    text = pdf_text(documents.revocation_receipt_pdf(mandate=partly, person=shown(partly)))
    assert "Vous l'avez demandé" in text and "Motif : Plus besoin." in text
    assert f"Enregistré par {partly.created_by.get_full_name()}" in text
    assert "Reçu de révocation d'une partie du mandat" in text
    assert partly.organisation.name in text
    retired, goes_on = text.split("Ce qui continue")
    assert "Justice" in retired and "Logement" in goes_on.split("Qui l'a")[0]
    whole = make_mandate(status=Status.REVOKED, ended_at=timezone.now())
    text = pdf_text(documents.revocation_receipt_pdf(mandate=whole, person=shown(whole)))
    assert "Reçu de révocation du mandat" in text and "Ce qui continue" not in text
    untouched = make_mandate()
    with pytest.raises(ValueError, match="Rien n'a été révoqué"):
        documents.revocation_receipt_pdf(mandate=untouched, person=shown(untouched))


# --- signature and hash ------------------------------------------------------------------------------------------


def test_decode_signature_accepts_a_drawn_png():
    data = documents.decode_signature(png_data_url())
    assert data.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(data)).size == (300, 120)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "pas été reçue"),
        ("data:image/jpeg;base64,/9j/4AAQ", "pas été reçue"),
        ("data:image/png;base64,@@@", "illisible"),
        ("data:image/png;base64," + base64.b64encode(b"GIF89a" + b"\0" * 40).decode(), "pas une image PNG"),
        ("data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 40).decode(), "illisible"),
        ("data:image/png;base64," + "A" * (420 * 1024), "trop lourde"),
    ],
)
def test_decode_signature_refuses_what_is_not_a_signature(value, message):
    with pytest.raises(ValueError, match=message):
        documents.decode_signature(value)


def test_decode_signature_refuses_an_empty_pad():
    with pytest.raises(ValueError, match="signature est vide"):
        documents.decode_signature(png_data_url(drawn=False))


def test_sha256_hex():
    assert documents.sha256_hex(b"mandat") == hashlib.sha256(b"mandat").hexdigest()
    assert len(documents.sha256_hex(b"")) == 64


def test_every_category_has_examples():
    assert set(documents.CATEGORY_EXAMPLES) == set(Category)


# --- the signature pad in a browser ------------------------------------------------------------------------------

PAD_JS = Path(__file__).resolve().parents[2] / "tremplin" / "static" / "mandates" / "signature-pad.js"
PAD_CSS = PAD_JS.with_name("signature-pad.css")


def documented_markup() -> str:
    """The form markup written at the top of signature-pad.js (so that the documentation is what is tested)."""
    lines = PAD_JS.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if "<form" in line)
    end = next(i for i, line in enumerate(lines) if "</form>" in line)
    markup = "\n".join(line.removeprefix(" *") for line in lines[start : end + 1])
    return markup.replace("{% csrf_token %}", "")


@pytest.fixture
def pad_page(monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which("/usr/bin/chromium"):
        pytest.skip("Chromium absent (/usr/bin/chromium)")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=args, headless=True)
        page = browser.new_page(viewport={"width": 1000, "height": 800}, device_scale_factor=2)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.js_errors = errors
        page.set_content(f"<!DOCTYPE html><html lang='fr'><body>{documented_markup()}</body></html>")
        page.add_style_tag(path=str(PAD_CSS))
        try:
            yield page
        finally:
            browser.close()


def draw(page, points):
    box = page.locator("canvas[data-signature-pad]").bounding_box()
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=4)
    page.mouse.up()


def test_without_javascript_the_form_says_to_sign_on_paper(pad_page):
    assert pad_page.locator("[data-signature-nojs]").is_visible()
    assert not pad_page.locator("canvas[data-signature-pad]").is_visible()
    assert not pad_page.locator("[data-signature-clear]").is_visible()


def test_signature_pad_writes_a_png_the_server_accepts(pad_page):
    page = pad_page
    page.add_script_tag(path=str(PAD_JS))
    assert not page.locator("[data-signature-nojs]").is_visible()
    assert page.locator("canvas[data-signature-pad]").is_visible()
    # Empty: the form is not sent, and says why.
    submitted = []
    page.expose_function("recordSubmit", lambda: submitted.append(True))
    page.evaluate(
        "document.querySelector('form').addEventListener('submit', e => {"
        " if (!e.defaultPrevented) { e.preventDefault(); window.recordSubmit(); } })"
    )
    page.get_by_role("button", name="Enregistrer la signature").click()
    assert submitted == []
    assert "Signez dans le cadre" in page.locator("[data-signature-error]").inner_text()
    # Drawn: a PNG data URL in the hidden input, accepted by decode_signature.
    draw(page, [(40, 60), (120, 140), (200, 50), (300, 160), (380, 80)])
    value = page.locator("input[name=signature]").input_value()
    assert value.startswith("data:image/png;base64,")
    png = documents.decode_signature(value)
    canvas = page.locator("canvas[data-signature-pad]").bounding_box()
    assert Image.open(io.BytesIO(png)).size == (round(canvas["width"] * 2), round(canvas["height"] * 2))
    assert not page.locator("[data-signature-error]").is_visible()
    page.get_by_role("button", name="Enregistrer la signature").click()
    page.wait_for_timeout(100)
    assert submitted == [True]
    # "Effacer": empty again.
    page.get_by_role("button", name="Effacer").click()
    assert page.locator("input[name=signature]").input_value() == ""
    assert page.js_errors == []


CHOICE_FORM = """<!DOCTYPE html><html lang="fr"><body>
<form method="post">
  <input type="radio" name="method" id="papier" value="papier" checked><label for="papier">Papier</label>
  <input type="radio" name="method" id="tablette" value="tablette"><label for="tablette">Tablette</label>
  <canvas data-signature-pad data-target="id_signature" data-signature-required-if="method=tablette" width="600"
          height="200" aria-label="Cadre de signature"></canvas>
  <p data-signature-nojs>Sans JavaScript : faites signer le mandat imprimé.</p>
  <p data-signature-error hidden></p>
  <button type="button" data-signature-clear>Effacer</button>
  <input type="hidden" name="signature" id="id_signature">
  <button type="submit">Enregistrer la signature</button>
</form></body></html>"""


def test_signature_required_only_when_the_tablet_is_chosen(pad_page):
    page = pad_page
    page.set_content(CHOICE_FORM)  # no stylesheet: the canvas keeps the size its attributes give it
    page.add_script_tag(path=str(PAD_JS))
    submitted = []
    page.expose_function("recordSubmit", lambda: submitted.append(True))
    page.evaluate(
        "document.querySelector('form').addEventListener('submit', e => {"
        " if (!e.defaultPrevented) { e.preventDefault(); window.recordSubmit(); } })"
    )
    assert not page.locator("[data-signature-nojs]").is_visible()
    box = page.locator("canvas").bounding_box()
    assert (round(box["width"]), round(box["height"])) == (600, 200)
    submit = page.get_by_role("button", name="Enregistrer la signature")
    submit.click()  # paper: nothing to draw
    page.wait_for_timeout(100)
    assert submitted == [True]
    page.check("#tablette")
    submit.click()
    page.wait_for_timeout(100)
    assert submitted == [True]  # tablet and an empty pad: not sent
    assert page.locator("[data-signature-error]").is_visible()
    draw(page, [(30, 30), (200, 150), (400, 40)])
    assert page.locator("#id_signature").input_value().startswith("data:image/png;base64,")
    box = page.locator("canvas").bounding_box()
    assert (round(box["width"]), round(box["height"])) == (600, 200)  # drawing at 2× did not enlarge it
    submit.click()
    page.wait_for_timeout(100)
    assert submitted == [True, True]
    assert page.js_errors == []
