"""Documents of a mandate: the attestation the person signs (printed, or on the tablet), the revocation receipt,
the address and QR code of the public verification page, and the signature drawn on the tablet.

PDFs are WeasyPrint renderings of `templates/mandates/pdf/*.html` (through the project's one helper, `render_pdf`),
styled by `static/mandates/pdf.css`. The person's name comes from a `PersonShown` (tremplin.beneficiaries.disclosure),
never from the record. The QR code opens `verification_url(mandate)`, which tells anyone holding the paper whether
the mandate is valid, for which categories and until when, and nothing about the person.
"""

import base64
import binascii
import datetime
import hashlib
import io

import qrcode
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from qrcode.image.svg import SvgPathImage

from tremplin.beneficiaries.disclosure import PersonShown
from tremplin.frenchdates import french_date
from tremplin.pdf import render_pdf

from .enums import CATEGORY_EXAMPLES, Duration, RevocationBy, Status

ATTESTATION_TEMPLATE = "mandates/pdf/attestation.html"
REVOCATION_TEMPLATE = "mandates/pdf/revocation_receipt.html"
ATTESTATION_TITLE = "Mandat pour réaliser des démarches en ligne en votre nom"

# What each category covers, in the words of the desk (printed on the mandate, under the category's name).
SIGNATURE_PREFIX = "data:image/png;base64,"
SIGNATURE_MAX_BYTES = 300 * 1024
SIGNATURE_MAX_SIDE = 4000  # pixels: a canvas on a tablet is far smaller; refuses decompression bombs
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATE_TIME = r"j F Y \à H\hi"  # « 1er juin 2027 à 10h30 »


# --- codes, addresses, QR -------------------------------------------------------------------------


def verification_url(mandate) -> str:
    """Absolute address of the public verification page of this mandate (what its QR code opens)."""
    path = reverse("mandates_public:verify_code", args=[mandate.verification_code])
    return settings.TREMPLIN_PUBLIC_URL.rstrip("/") + path


def qr_svg(url: str) -> str:
    """`url` as an SVG QR code (paths, drawn by WeasyPrint as vectors: sharp when printed)."""
    image = qrcode.make(url, image_factory=SvgPathImage, box_size=10, border=4)
    return image.to_string(encoding="unicode")


def _svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- dates ----------------------------------------------------------------------------------------


def valid_until_text(ends_at: datetime.datetime) -> str:
    """« jusqu'au 31 mai 2027 inclus » when the mandate ends at midnight (local time), else with the hour."""
    local = timezone.localtime(ends_at)
    if local.time() == datetime.time(0, 0):
        return f"jusqu'au {french_date((local - datetime.timedelta(days=1)).date(), 'j F Y')} inclus"
    return "jusqu'au " + french_date(local, DATE_TIME)


def _until_if_signed_now(duration: str) -> str:
    """The end printed on a mandate not signed yet: as tremplin.mandates.services.end_of_validity will set it."""
    from .services import end_of_validity  # the one rule (imported here: services may come to import documents)

    ends_at = end_of_validity(duration, timezone.now())
    local = timezone.localtime(ends_at)
    if local.time() == datetime.time(0, 0):
        return valid_until_text(ends_at)
    return f"jusqu'au {french_date(local, 'j F Y')}, à l'heure où vous signez"


def _text_version_label(version: str) -> str:
    try:
        return "version du " + french_date(datetime.date.fromisoformat(version), "j F Y")
    except ValueError:
        return f"version {version}"


def _categories(authorisations) -> list[dict]:
    return [
        {"label": a.get_category_display(), "examples": CATEGORY_EXAMPLES.get(a.category, "")} for a in authorisations
    ]


def _require_shown(person: PersonShown) -> None:
    if not isinstance(person, PersonShown) or person.is_masked:
        raise ValueError("Le document d'un mandat se prépare dans l'organisation qui suit la personne.")


# --- PDFs -----------------------------------------------------------------------------------------


def attestation_pdf(
    *,
    mandate,
    person: PersonShown,
    organisation_name: str,
    mediator_name: str,
    signature_png: bytes | None = None,
) -> bytes:
    """The mandate to print and sign by hand, or (with `signature_png`) the mandate signed on the tablet."""
    _require_shown(person)
    if mandate.ends_at:
        until, signed_dates = valid_until_text(mandate.ends_at), True
    else:
        until, signed_dates = _until_if_signed_now(mandate.duration), False
    url = verification_url(mandate)
    signed_at = mandate.starts_at or timezone.now()
    context = {
        "title": ATTESTATION_TITLE,
        "person_name": person.name,
        "organisation_name": organisation_name,
        "mediator_name": mediator_name,
        "categories": _categories(mandate.authorisations.active()),
        "duration": mandate.get_duration_display(),
        "one_day": mandate.duration == Duration.DAY,
        "until": until,
        "starts_on": french_date(mandate.starts_at, "j F Y") if mandate.starts_at else "",
        "signed_dates": signed_dates,
        "prepared_on": french_date(mandate.created_at, "j F Y"),
        "text_paragraphs": [p.strip() for p in mandate.text.split("\n\n") if p.strip()],
        "text_version": _text_version_label(mandate.text_version),
        "text_sha256": mandate.text_sha256,
        "code": mandate.verification_code,
        "url": url,
        "qr_src": _svg_data_uri(qr_svg(url)),
        "signature_src": (
            "data:image/png;base64," + base64.b64encode(signature_png).decode("ascii") if signature_png else ""
        ),
        "signed_on": french_date(signed_at, DATE_TIME),
    }
    return render_pdf(ATTESTATION_TEMPLATE, context)


def revocation_receipt_pdf(
    *,
    mandate,
    person: PersonShown,
    organisation_name: str = "",
    categories: list[str] | None = None,
    revoked_at: datetime.datetime | None = None,
    on_behalf_of: str | None = None,
    reason: str | None = None,
    revoked_by_name: str = "",
) -> bytes:
    """The receipt given to the person when the whole mandate or some of its categories end.

    `categories` None: what the mandate records, the whole mandate if it is revoked, else its revoked categories.
    Dates, who asked, why and who recorded it default to what the mandate records (for some categories: their
    revocation's journal entry)."""
    _require_shown(person)
    authorisations = list(mandate.authorisations.all())
    whole = categories is None and mandate.status == Status.REVOKED
    if categories is None and not whole:
        categories = [a.category for a in authorisations if a.revoked_at]
    organisation_name = organisation_name or mandate.organisation.name
    if whole:
        revoked = authorisations
        revoked_at = revoked_at or mandate.ended_at or timezone.now()
    else:
        wanted = set(categories)
        revoked = [a for a in authorisations if a.category in wanted]
        if revoked_at is None:
            revoked_at = max((a.revoked_at for a in revoked if a.revoked_at), default=None) or timezone.now()
    if not revoked:
        raise ValueError("Rien n'a été révoqué sur ce mandat : il n'y a pas de reçu à imprimer.")
    remaining = [] if whole else [a for a in authorisations if a.revoked_at is None and a.category not in categories]
    if whole:
        recorded = {"on_behalf_of": mandate.revoked_on_behalf_of, "reason": mandate.revocation_reason}
        by = mandate.ended_by
    else:  # who asked and why are on the latest authorisation revoked
        latest = max(revoked, key=lambda a: a.revoked_at or revoked_at)
        recorded = {"on_behalf_of": latest.revoked_on_behalf_of, "reason": latest.revocation_reason}
        by = latest.revoked_by
    on_behalf_of = recorded.get("on_behalf_of", "") if on_behalf_of is None else on_behalf_of
    reason = recorded.get("reason", "") if reason is None else reason
    revoked_by_name = revoked_by_name or (by.get_full_name() or str(by) if by else "")
    url = verification_url(mandate)
    context = {
        "title": "Reçu de révocation du mandat" if whole else "Reçu de révocation d'une partie du mandat",
        "whole": whole,
        "person_name": person.name,
        "organisation_name": organisation_name,
        "revoked_by_name": revoked_by_name,
        "revoked_categories": _categories(revoked),
        "remaining_categories": _categories(remaining),
        "until": valid_until_text(mandate.ends_at) if mandate.ends_at else "",
        "revoked_on": french_date(revoked_at, DATE_TIME),
        "on_behalf_of": RevocationBy(on_behalf_of).label if on_behalf_of in RevocationBy.values else "",
        "at_persons_request": on_behalf_of == RevocationBy.PERSON,
        "reason": reason,
        "signed_on": french_date(mandate.starts_at, "j F Y") if mandate.starts_at else "",
        "code": mandate.verification_code,
        "url": url,
        "qr_src": _svg_data_uri(qr_svg(url)),
        "printed_on": french_date(timezone.now(), "j F Y"),
    }
    return render_pdf(REVOCATION_TEMPLATE, context)


# --- signature drawn on the tablet ----------------------------------------------------------------


def decode_signature(data_url: str) -> bytes:
    """The PNG of a signature sent by static/mandates/signature-pad.js (`data:image/png;base64,…`), checked:
    a real PNG image, under 300 Ko, not empty. French ValueError otherwise."""
    from PIL import Image, UnidentifiedImageError

    if not isinstance(data_url, str) or not data_url[: len(SIGNATURE_PREFIX)].lower() == SIGNATURE_PREFIX:
        raise ValueError("La signature n'a pas été reçue. Signez dans le cadre, ou imprimez le mandat pour le signer.")
    encoded = data_url[len(SIGNATURE_PREFIX) :].strip()
    if len(encoded) > (SIGNATURE_MAX_BYTES * 4) // 3 + 4:
        raise ValueError("La signature est trop lourde (300 Ko au plus). Effacez-la et signez à nouveau.")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("La signature reçue est illisible. Effacez-la et signez à nouveau.") from None
    if len(data) > SIGNATURE_MAX_BYTES:
        raise ValueError("La signature est trop lourde (300 Ko au plus). Effacez-la et signez à nouveau.")
    if not data.startswith(PNG_MAGIC):
        raise ValueError("La signature reçue n'est pas une image PNG. Effacez-la et signez à nouveau.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG" or max(image.size) > SIGNATURE_MAX_SIDE:
                raise ValueError("La signature reçue n'est pas une image valable. Effacez-la et signez à nouveau.")
            image.load()
            alpha = image.getchannel("A") if "A" in image.getbands() else None
            drawn = alpha.getbbox() if alpha is not None else image.convert("L").point(lambda v: 255 - v).getbbox()
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValueError("La signature reçue est illisible. Effacez-la et signez à nouveau.") from None
    if drawn is None:
        raise ValueError("La signature est vide : signez dans le cadre avec le doigt ou le stylet.")
    return data
