"""Convocation letters: recorded as HTML, printed as a large-print PDF with the link and a phone number."""

import datetime
import io

import pytest
import time_machine
from pypdf import PdfReader

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import CommuneFactory
from tests.notifications.factories import RegistrationFactory
from tremplin.notifications import services
from tremplin.notifications.addresses import postal_lines
from tremplin.notifications.enums import NotificationKind, NotificationStatus
from tremplin.notifications.letters import letters_pdf

pytestmark = pytest.mark.django_db


def letter_for(first_name, kind=NotificationKind.CONFIRMATION):
    person = BeneficiaryFactory(
        first_name=first_name,
        last_name="Le Goff",
        preferred_channel="courrier",
        postal_address="12 rue des Ajoncs\n22300 Lannion",
    )
    registration = RegistrationFactory(beneficiary=person)
    return registration, services.registration_notify(registration=registration, kind=kind)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_letter_pdf_has_the_person_the_session_the_link_and_a_phone():
    registration, notification = letter_for("Yvonne")
    assert notification.status == NotificationStatus.TO_PRINT
    assert notification.recipient == "12 rue des Ajoncs\n22300 LANNION"
    data = letters_pdf([notification])
    assert data.startswith(b"%PDF-") and len(data) > 5_000
    text = " ".join(pdf_text(data).split())
    assert "Yvonne Le Goff" in text and "12 rue des Ajoncs" in text
    assert "Vous êtes inscrit(e) à un atelier numérique" in text
    assert "Créer son adresse e-mail" in text and "2 rue de la Poste" in text
    assert "À apporter" in text and "01 23 45 67 89" in text
    # The link is written out in full (it may wrap: compare without spaces).
    assert f"/ateliers/inscription/{registration.token}/" in text.replace(" ", "")


def test_all_letters_in_one_pdf():
    _, first = letter_for("Yvonne")
    _, second = letter_for("Gwenaëlle", kind=NotificationKind.CANCELLATION)
    reader = PdfReader(io.BytesIO(letters_pdf([first, second])))
    assert len(reader.pages) >= 2
    text = " ".join(pdf_text(letters_pdf([first, second])).split())
    assert "Yvonne" in text and "Gwenaëlle" in text and "Votre inscription est annulée" in text


# --- issue 10: French postal address, « 1er », one letter per page ---------------------------------------


def _letter(commune=None, **fields):
    fields = {"first_name": "Yvonne", "last_name": "Le Goff", "preferred_channel": "courrier", **fields}
    if commune is not None:
        fields["commune"] = commune
    registration = RegistrationFactory(beneficiary=BeneficiaryFactory(**fields))
    return services.registration_notify(registration=registration, kind=NotificationKind.CONFIRMATION)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("12 rue des Ajoncs", ["12 rue des Ajoncs", "22300 LANNION"]),  # town from the commune
        ("12 rue des Ajoncs\n22300 Lannion", ["12 rue des Ajoncs", "22300 LANNION"]),  # no duplicate
        ("12 rue des Ajoncs, 22300 Lannion", ["12 rue des Ajoncs", "22300 LANNION"]),  # one line, split
        ("12 rue des Ajoncs\nLannion", ["12 rue des Ajoncs", "22300 LANNION"]),  # town without its postcode
        (
            "Résidence Les Mouettes, bât. B\n12 rue des Ajoncs\nBP 40012",
            ["Résidence Les Mouettes, bât. B", "12 rue des Ajoncs", "BP 40012", "22300 LANNION"],
        ),
    ],
)
def test_letter_recipient_block_follows_nf_z_10_011(address, expected):
    lannion = CommuneFactory(code_insee="22113", name="Lannion", postcodes="22300")
    notification = _letter(commune=lannion, postal_address=address)
    assert notification.recipient.splitlines() == expected
    text = pdf_text(letters_pdf([notification]))
    lines = [line.strip() for line in text.splitlines()]
    start = lines.index("Yvonne Le Goff")
    assert lines[start : start + 1 + len(expected)] == ["Yvonne Le Goff", *expected]
    assert text.count("LANNION") == 1 and text.count("22300") == 1 + text.count("22300 Lannion")


def test_recipient_block_has_at_most_six_lines():
    lines = postal_lines(
        name="Yvonne Le Goff",
        postal_address="Appartement 12\nEscalier C\nRésidence Les Mouettes\nBâtiment B\n12 rue des Ajoncs\nKerhuel",
        commune=CommuneFactory(code_insee="22113", name="Lannion", postcodes="22300"),
    )
    assert len(lines) == 6 and lines[0] == "Yvonne Le Goff" and lines[-1] == "22300 LANNION"
    assert "12 rue des Ajoncs" in lines and "Kerhuel" in lines


@time_machine.travel(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_letter_dates_say_1er():
    notification = _letter(postal_address="12 rue des Ajoncs\n22300 Lannion")
    text = " ".join(pdf_text(letters_pdf([notification])).split())
    assert "Le 1er décembre 2026" in text and "Le 1 décembre" not in text


def test_realistic_letters_take_one_page_each():
    """A normal letter (long workshop title, place with its address, equipment, the link) fits on one A4 page."""
    notifications = [
        _letter(
            first_name=name,
            postal_address="Résidence Les Mouettes, appartement 12\n12 rue des Ajoncs\n22300 Lannion",
        )
        for name in ("Yvonne", "Gwenaëlle", "Marie-Françoise", "Jean-Baptiste")
    ]
    for notification in notifications:
        programme = notification.registration.session.programme
        programme.title = "Faire ses démarches administratives en ligne en toute sécurité avec FranceConnect"
        programme.objective = "sait se connecter à ameli.fr et à impots.gouv.fr avec FranceConnect, sans aide"
        programme.save()
        notification.subject, notification.body = services.render_message(
            notification.registration, notification.kind, notification.channel
        )
    assert len(PdfReader(io.BytesIO(letters_pdf(notifications))).pages) == 4


def test_letter_with_a_very_long_equipment_text_may_take_two_pages():
    notification = _letter(postal_address="12 rue des Ajoncs\n22300 Lannion")
    programme = notification.registration.session.programme
    programme.equipment = "votre téléphone portable chargé, son code et votre pièce d'identité. " * 25
    programme.save()
    _, notification.body = services.render_message(notification.registration, notification.kind, notification.channel)
    assert len(PdfReader(io.BytesIO(letters_pdf([notification]))).pages) == 2
