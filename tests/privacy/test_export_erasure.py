"""A person's copy of their data (JSON and large-print PDF) and the erasure at their request, from their page: only
for the staff of their organisation who record people (404 outside the scope, 403 for other roles), through the one
person-data read path (each copy journaled on their history), with everything Tremplin holds about them; the
erasure is journaled with who did it and why, and leaves the statistics as they were."""

import io
import json

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests.activities.factories import ActivityFactory
from tests.beneficiaries.factories import ConsentFactory, ScreeningFactory
from tests.beneficiaries.worlds import make_world
from tests.mandates.factories import MandateFactory
from tests.referrals.factories import PlaceFactory
from tests.workshops.factories import RegistrationFactory, SessionFactory
from tremplin.beneficiaries.enums import AccessPurpose, ConsentKind, Gender, JournalAction
from tremplin.beneficiaries.models import AccessLog, Beneficiary
from tremplin.mandates import journal as mandate_journal
from tremplin.mandates.enums import JournalAction as MandateAction
from tremplin.notifications.enums import ContactChannel, NotificationKind, NotificationStatus
from tremplin.notifications.models import Notification
from tremplin.privacy.enums import ErasureReason
from tremplin.referrals.models import Referral
from tremplin.reporting import stats
from tremplin.reporting.filters import StatsFilters
from tremplin.www.reporting import public

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Anne (La Poste, o1) with something in every section."""
    world = make_world()
    anne = world.people.at_o1
    anne.last_name, anne.mobile_phone, anne.email = "Quillivic", "0622222222", "anne@exemple.test"
    anne.postal_address = "4 rue des Ajoncs\n22300 Lannion"
    anne.gender = Gender.FEMALE  # not the default: an erasure that lost it would change the statistics
    anne.save()
    ConsentFactory(beneficiary=anne, kind=ConsentKind.CONTACT, given=False)
    ScreeningFactory(beneficiary=anne)
    ActivityFactory(organisation=world.la_poste, site=world.o1, people=[anne], notes="Premiers pas sur la messagerie")
    session = SessionFactory(site=world.o1, programme__title="Créer son adresse e-mail")
    registration = RegistrationFactory(session=session, beneficiary=anne)
    Notification.objects.create(
        registration=registration,
        beneficiary=anne,
        kind=NotificationKind.CONFIRMATION,
        channel=ContactChannel.SMS,
        status=NotificationStatus.SENT,
        recipient="0622222222",
        body="Bonjour Anne, votre place est réservée.",
    )
    Referral.objects.create(
        beneficiary=anne,
        from_organisation=world.la_poste,
        referred_by=world.users.mediator,
        place=PlaceFactory(name="Maison France services de Lannion"),
        service="aide_aux_demarches",
        reason="Demande de carte grise",
        link_nonce="n",
    )
    mandate = MandateFactory(beneficiary=anne)
    mandate_journal.append(
        action=MandateAction.MANDATE_CREATED,
        mandate=mandate,
        beneficiary_id=anne.pk,
        organisation_id=mandate.organisation_id,
    )
    world.anne, world.mandate = anne, mandate
    return world


def _json(client, person):
    response = client.get(reverse("beneficiaries:data_json", args=[person.pk]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    return json.loads(response.content)


def test_the_json_copy_holds_everything_tremplin_has_about_the_person(client, world):
    client.force_login(world.users.mediator)
    data = _json(client, world.anne)
    identity = data["identite"]
    assert (identity["Prénom"], identity["Nom"], identity["Téléphone mobile"]) == ("Anne", "Quillivic", "0622222222")
    assert identity["E-mail"] == "anne@exemple.test" and identity["Adresse postale"].startswith("4 rue des Ajoncs")
    assert identity["Organisation qui la suit"] == world.la_poste.name
    assert [c["Réponse"] for c in data["consentements"]] == ["refusé ou retiré"]
    assert "contacté" in data["consentements"][0]["Texte lu à la personne"]
    assert data["reperages"][0]["Fragilité numérique repérée"] is True
    assert data["accompagnements"][0]["Notes"] == "Premiers pas sur la messagerie"
    assert data["inscriptions"][0]["Atelier"] == "Créer son adresse e-mail"
    assert data["messages"][0]["Texte"] == "Bonjour Anne, votre place est réservée."
    assert data["orientations"][0]["Lieu"] == "Maison France services de Lannion"
    assert data["mandats"][0]["Code de vérification"] == world.mandate.verification_code
    assert len(data["mandats"][0]["Catégories de démarches"]) == 2
    assert data["verifications_identite"][0]["Vérification"]
    assert [e["Événement"] for e in data["journal_mandats"]] == ["Mandat préparé"]
    assert data["journal_fiche"] == []  # rows made by factories: no service, no journal entry
    # Staff are named by their role, never by name or e-mail.
    assert world.users.mediator.email not in json.dumps(data)


def test_the_copy_leaves_out_the_notes_of_another_organisation(client, world):
    """A workshop of the association that Anne attended: its notes stay in the association (as on its page)."""
    ActivityFactory(
        organisation=world.association, site=world.p1, people=[world.anne], notes="Remarque de l'association"
    )
    client.force_login(world.users.mediator)
    notes = [row["Notes"] for row in _json(client, world.anne)["accompagnements"]]
    assert sorted(notes) == ["", "Premiers pas sur la messagerie"]


def test_each_copy_is_journaled_on_the_persons_history(client, world):
    client.force_login(world.users.mediator)
    _json(client, world.anne)
    response = client.get(reverse("beneficiaries:data_pdf", args=[world.anne.pk]))
    assert response.status_code == 200
    abouts = list(
        AccessLog.objects.filter(beneficiary=world.anne, user=world.users.mediator, granted=True).values_list(
            "purpose", "about"
        )
    )
    assert (AccessPurpose.RECORD, "copie de ses données (JSON)") in abouts
    assert (AccessPurpose.RECORD, "copie de ses données (PDF)") in abouts
    history = client.get(reverse("beneficiaries:history", args=[world.anne.pk])).content.decode()
    assert "copie de ses données (PDF)" in history


def test_the_pdf_copy_is_readable_and_in_large_print(client, world):
    client.force_login(world.users.coordinator_22)
    response = client.get(reverse("beneficiaries:data_pdf", args=[world.anne.pk]))
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for expected in (
        "Vos données enregistrées dans Tremplin",
        "Quillivic",
        "0622222222",
        "Consentements",
        "Maison France services de Lannion",
        world.mandate.verification_code,
        "Journal des mandats",
    ):
        assert expected in text, expected
    sizes = set()  # the printed size of each piece of text: font size × text matrix × page matrix (CSS px → pt)

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.add(round(abs(size * tm[0] * cm[0]), 1))

    reader.pages[0].extract_text(visitor_text=visit)
    assert min(sizes) >= 13 and max(sizes) >= 25  # large print: nothing below 13 pt, a 25 pt title


@pytest.mark.parametrize("name", ["data_json", "data_pdf"])
def test_who_may_have_a_copy(client, world, name):
    url = reverse(f"beneficiaries:{name}", args=[world.anne.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    for user, expected in (
        (world.users.partner, 404),  # another organisation, even a recording role
        (world.users.partner_mediator_elsewhere, 404),
        (world.users.coordinator_29, 404),  # La Poste, another département
        (world.users.national, 403),  # La Poste's national manager: consults, does not hand copies
        (world.users.admin, 403),
        (world.users.counter, 200),  # the counter of o1
        (world.users.coordinator_22, 200),
        (world.users.mediator, 200),
    ):
        client.force_login(user)
        assert client.get(url).status_code == expected, (user.role, expected)
    refused = AccessLog.objects.filter(beneficiary=world.anne, granted=False).values_list("user", flat=True)
    assert set(refused) >= {world.users.partner.pk, world.users.coordinator_29.pk}


def test_an_erased_person_has_no_copy_any_more(client, world):
    client.force_login(world.users.mediator)
    client.post(reverse("beneficiaries:delete", args=[world.anne.pk]))
    assert client.get(reverse("beneficiaries:data_json", args=[world.anne.pk])).status_code == 404


def test_the_persons_page_offers_the_copies_and_the_erasure(client, world):
    client.force_login(world.users.mediator)
    page = client.get(reverse("beneficiaries:detail", args=[world.anne.pk])).content.decode()
    assert reverse("beneficiaries:data_pdf", args=[world.anne.pk]) in page
    assert reverse("beneficiaries:data_json", args=[world.anne.pk]) in page
    client.force_login(world.users.national)
    page = client.get(reverse("beneficiaries:detail", args=[world.anne.pk])).content.decode()
    assert reverse("beneficiaries:data_pdf", args=[world.anne.pk]) not in page


def _statistics():
    viewer = public.NationalScope()
    return stats.summary(viewer, StatsFilters()), stats.by_departement(viewer, StatsFilters())


def test_erasure_on_request_is_journaled_with_who_and_why_and_keeps_the_statistics(client, world):
    before = _statistics()
    client.force_login(world.users.mediator)
    page = client.get(reverse("beneficiaries:delete", args=[world.anne.pk])).content.decode()
    assert "copie de ses données en PDF" in page and "1 mandat valable" in page
    response = client.post(reverse("beneficiaries:delete", args=[world.anne.pk]), {"reason": ErasureReason.REQUEST})
    assert response.status_code == 302
    anne = Beneficiary.objects.get(pk=world.anne.pk)
    assert anne.anonymised_at and (anne.last_name, anne.mobile_phone, anne.email, anne.postal_address) == ("",) * 4
    entry = anne.journal.get(action=JournalAction.ANONYMISED)
    assert entry.actor == world.users.mediator and entry.details == {"reason": ErasureReason.REQUEST}
    assert list(Notification.objects.filter(beneficiary=anne).values_list("recipient", "body")) == [("", "")]
    assert _statistics() == before
    assert before[0].unique_beneficiaries == 1


def test_erasure_of_a_record_no_longer_needed_says_so_in_the_history(client, world):
    person = world.people.at_o2
    client.force_login(world.users.mediator)
    client.post(reverse("beneficiaries:delete", args=[person.pk]), {"reason": ErasureReason.NOT_NEEDED})
    entry = Beneficiary.objects.get(pk=person.pk).journal.get(action=JournalAction.ANONYMISED)
    assert entry.details == {"reason": ErasureReason.NOT_NEEDED}
    # The reason is one of the codes, never a free text.
    response = client.post(reverse("beneficiaries:delete", args=[world.anne.pk]), {"reason": "n'importe quoi"})
    assert response.status_code == 200 and Beneficiary.objects.get(pk=world.anne.pk).anonymised_at is None
