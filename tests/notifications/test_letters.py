"""Convocation letters: recorded as HTML, printed as a large-print PDF with the link and a phone number."""

import io

import pytest
from pypdf import PdfReader

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.notifications.factories import RegistrationFactory
from tremplin.notifications import services
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
    assert notification.recipient == "12 rue des Ajoncs\n22300 Lannion"
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
