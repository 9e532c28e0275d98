"""Recording a person at the desk in one service call and one transaction (beneficiary_register): the record,
its consents and the walk-in screening, or nothing; the person-creation screen shows a French error, never a 500."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.beneficiaries.factories import ScreeningFactory
from tremplin.beneficiaries import services
from tremplin.beneficiaries.enums import ConsentKind, JournalAction
from tremplin.beneficiaries.models import Beneficiary, Consent, JournalEntry
from tremplin.diagnostics.models import Screening

pytestmark = pytest.mark.django_db

CREATE = reverse("beneficiaries:create")


def walk_in(world, **fields):
    """A walk-in screening at o1 by the counter agent (no record yet)."""
    values = {"organisation": world.la_poste, "site": world.o1, "performed_by": world.users.counter}
    return ScreeningFactory(walk_in=True, **values | fields)


def register(world, **fields):
    values = {
        "organisation": world.la_poste,
        "created_by": world.users.counter,
        "site": world.o1,
        "pseudonym": "Mme R.",
        "consents_given": [ConsentKind.DATA_PROCESSING, ConsentKind.CONTACT],
    }
    return services.beneficiary_register(**values | fields)


def nothing_written(before: int):
    assert Beneficiary.objects.count() == before
    assert not Consent.objects.filter(beneficiary__pseudonym="Mme R.").exists()
    assert not JournalEntry.objects.filter(beneficiary__pseudonym="Mme R.").exists()


def test_register_writes_the_record_its_consents_and_attaches_the_screening(world):
    screening = walk_in(world)
    person = register(world, screening=screening)
    assert sorted(person.consents.values_list("kind", flat=True)) == ["contact", "traitement_donnees"]
    assert all(c.given and c.recorded_by == world.users.counter for c in person.consents.all())
    screening.refresh_from_db()
    assert screening.beneficiary == person
    actions = list(person.journal.values_list("action", flat=True))
    assert JournalAction.CREATED in actions and actions.count(JournalAction.CONSENT) == 2


def test_an_unknown_consent_leaves_no_person(world):
    screening = walk_in(world)
    before = Beneficiary.objects.count()
    with pytest.raises(ValidationError, match="Texte de consentement inconnu"):
        register(world, screening=screening, consents_given=[ConsentKind.DATA_PROCESSING, "inconnu"])
    nothing_written(before)
    screening.refresh_from_db()
    assert screening.beneficiary is None


def test_a_screening_of_another_organisation_leaves_no_person(world):
    screening = walk_in(world, organisation=world.association, site=world.p1, performed_by=world.users.partner)
    before = Beneficiary.objects.count()
    with pytest.raises(ValidationError, match="suivie par une autre organisation"):
        register(world, screening=screening)
    nothing_written(before)


def test_a_screening_attached_meanwhile_leaves_no_person(world):
    screening = walk_in(world)
    stale = Screening.objects.get(pk=screening.pk)
    Screening.objects.filter(pk=screening.pk).update(beneficiary=world.people.at_o1)  # a colleague was quicker
    before = Beneficiary.objects.count()
    with pytest.raises(ValidationError, match="concerne déjà une autre personne"):
        register(world, screening=stale)  # read before that: the service reads it again
    nothing_written(before)
    screening.refresh_from_db()
    assert screening.beneficiary == world.people.at_o1


# --- the screen --------------------------------------------------------------------------------------


def form(screening_id=None, **fields):
    data = {"pseudonym": "Mme R.", "gender": "feminin", "social_status": "retraite", "consent_data": "on"}
    if screening_id is not None:
        data["screening"] = screening_id
    return data | fields


def test_screen_records_the_walk_in_and_its_screening(client, world):
    screening = walk_in(world)
    client.force_login(world.users.counter)
    page = client.get(CREATE, {"reperage": screening.pk}).content.decode()
    assert "sera rattaché à cette fiche" in page
    response = client.post(f"{CREATE}?reperage={screening.pk}", form(screening.pk, consent_contact="on"))
    assert response.status_code == 302
    screening.refresh_from_db()
    person = screening.beneficiary
    assert person.pseudonym == "Mme R." and person.consents.count() == 2


def test_screen_with_a_screening_out_of_reach_creates_nobody(client, world):
    other = walk_in(world, organisation=world.association, site=world.p1, performed_by=world.users.partner)
    client.force_login(world.users.counter)
    before = Beneficiary.objects.count()
    response = client.post(CREATE, form(other.pk))
    assert response.status_code == 200
    assert "Ce repérage est introuvable dans votre périmètre" in response.content.decode()
    nothing_written(before)
    other.refresh_from_db()
    assert other.beneficiary is None


def test_screen_with_an_already_attached_screening_creates_nobody(client, world):
    attached = walk_in(world)
    services_person = world.people.at_o1
    Screening.objects.filter(pk=attached.pk).update(beneficiary=services_person)
    client.force_login(world.users.counter)
    before = Beneficiary.objects.count()
    response = client.post(CREATE, form(attached.pk))
    assert response.status_code == 200
    assert "Ce repérage concerne déjà une autre personne." in response.content.decode()
    nothing_written(before)


def test_screen_with_a_screening_that_is_not_a_number_creates_nobody(client, world):
    client.force_login(world.users.counter)
    before = Beneficiary.objects.count()
    response = client.get(CREATE, {"reperage": "abc"})
    assert response.status_code == 200
    response = client.post(f"{CREATE}?reperage=abc", form())
    assert response.status_code == 200
    assert "Ce repérage est introuvable dans votre périmètre" in response.content.decode()
    nothing_written(before)
