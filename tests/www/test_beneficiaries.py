"""People screens: list and search, create with duplicate check, detail journaled, refusal outside the
organisation, consent, merge, delete (anonymise), query-count bounds."""

import pytest
from django.urls import reverse

from tests.beneficiaries.factories import BeneficiaryFactory, DiagnosticFactory, ScreeningFactory
from tests.beneficiaries.worlds import make_world
from tremplin.beneficiaries.enums import ConsentKind, JournalAction
from tremplin.beneficiaries.models import AccessLog, Beneficiary
from tremplin.beneficiaries.services import consent_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def detail_url(person):
    return reverse("beneficiaries:detail", args=[person.pk])


def test_list_shows_only_visible_people_and_searches(client, world):
    client.force_login(world.users.counter)
    response = client.get(reverse("beneficiaries:list"))
    assert response.status_code == 200
    assert [p.pk for p in response.context["page"].object_list] == [world.people.at_o1.pk]
    client.force_login(world.users.mediator)
    response = client.get(reverse("beneficiaries:list"), {"q": "bruno"})
    assert [p.first_name for p in response.context["page"].object_list] == ["Bruno"]


def test_list_query_count_is_bounded(client, world, django_assert_max_num_queries):
    for _ in range(30):
        BeneficiaryFactory(organisation=world.la_poste, site=world.o1)
    client.force_login(world.users.mediator)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("beneficiaries:list"))
    assert len(response.context["page"].object_list) == 25


def test_detail_is_journaled(client, world):
    client.force_login(world.users.mediator)
    response = client.get(detail_url(world.people.at_o1))
    assert response.status_code == 200
    log = AccessLog.objects.get()
    assert (log.user, log.beneficiary, log.purpose, log.granted) == (
        world.users.mediator,
        world.people.at_o1,
        "fiche",
        True,
    )


@pytest.mark.parametrize(
    ("role", "person"),
    [
        ("partner", "at_o1"),  # another organisation
        ("partner_mediator_elsewhere", "at_o1"),  # attached to the office, employed elsewhere
        ("mediator", "at_p1"),
        ("counter", "at_o2"),  # same organisation, other site
        ("coordinator_22", "at_o3"),  # same organisation, other département
    ],
)
def test_detail_outside_scope_is_404_and_the_refusal_is_journaled(client, world, role, person):
    client.force_login(getattr(world.users, role))
    target = getattr(world.people, person)
    assert client.get(detail_url(target)).status_code == 404
    assert client.get(reverse("diagnostics:new", args=[target.pk])).status_code in (403, 404)
    refused = AccessLog.objects.refused()
    assert refused.exists() and {log.beneficiary for log in refused} == {target}
    assert not AccessLog.objects.filter(granted=True).exists()


def test_detail_query_count_is_bounded(client, world, django_assert_max_num_queries):
    person = world.people.at_o1
    for _ in range(3):
        ScreeningFactory(beneficiary=person)
    DiagnosticFactory(beneficiary=person, illectronic=True)
    DiagnosticFactory(beneficiary=person)
    DiagnosticFactory(beneficiary=person, autonomous=True)
    client.force_login(world.users.mediator)
    with django_assert_max_num_queries(14):
        response = client.get(detail_url(person))
    assert response.context["progress"].left_illectronisme
    assert (
        "Sortie de l&#x27;illectronisme" in response.content.decode()
        or "Sortie de l'illectronisme" in response.content.decode()
    )


def test_history_shows_changes_and_every_opening_including_refusals(client, world, django_assert_max_num_queries):
    person = world.people.at_o1
    consent_record(beneficiary=person, kind=ConsentKind.CONTACT, given=False, by=world.users.counter)
    client.force_login(world.users.partner)  # another organisation: refused, and journaled
    assert client.get(detail_url(person)).status_code == 404
    assert client.get(reverse("beneficiaries:history", args=[person.pk])).status_code == 404
    client.force_login(world.users.counter)
    client.get(detail_url(person))
    for _ in range(30):
        client.get(detail_url(person))
    client.force_login(world.users.mediator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("beneficiaries:history", args=[person.pk]))
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == 2 + 31 + 1  # two refusals, the counter's openings, this one
    assert page.object_list[0].user == world.users.mediator  # newest first
    refused = [opening for opening in page.paginator.object_list if not opening.granted]
    assert {opening.user for opening in refused} == {world.users.partner}
    assert str(world.users.counter) in response.content.decode()
    second = client.get(reverse("beneficiaries:history", args=[person.pk]), {"page": 2})  # the oldest: refusals
    assert any(not opening.granted for opening in second.context["page"].object_list)
    assert "refusé" in second.content.decode()
    assert [(entry.action, entry.actor) for entry in response.context["journal"]] == [
        (JournalAction.CONSENT, world.users.counter)
    ]


def form_data(**overrides):
    data = {
        "first_name": "Josiane",
        "last_name": "Le Bihan",
        "birth_year": "1948",
        "commune": "22113",
        "gender": "feminin",
        "social_status": "retraite",
        "preferred_channel": "sms",
        "mobile_phone": "06 12 34 56 78",
        "consent_data": "on",
    }
    data.update(overrides)
    return data


def test_create_then_duplicate_warning_then_forced_creation(client, world):
    client.force_login(world.users.mediator)
    url = reverse("beneficiaries:create")
    assert client.get(url).status_code == 200
    response = client.post(url, form_data(site=world.o1.pk, consent_contact="on"))
    person = Beneficiary.objects.get(first_name="Josiane")
    assert response.status_code == 302 and response["Location"] == detail_url(person)
    assert person.mobile_phone == "0612345678"
    assert person.commune_id == "22113"
    assert set(person.consents.values_list("kind", flat=True)) == {ConsentKind.DATA_PROCESSING, ConsentKind.CONTACT}

    response = client.post(
        url, form_data(site=world.o1.pk, first_name="JOSIANE", mobile_phone="", preferred_channel="")
    )
    assert response.status_code == 200
    assert response.context["candidates"] == [person]
    assert "a peut-être déjà une fiche" in response.content.decode()
    assert Beneficiary.objects.filter(first_name__iexact="josiane").count() == 1
    # Submitting the same form again (the hidden confirmation is now set) creates the record.
    response = client.post(
        url,
        form_data(
            site=world.o1.pk, first_name="JOSIANE", mobile_phone="", preferred_channel="", confirm_not_duplicate="True"
        ),
    )
    assert response.status_code == 302
    assert Beneficiary.objects.filter(first_name__iexact="josiane").count() == 2


def test_create_requires_consent_and_names_or_pseudonym(client, world):
    client.force_login(world.users.counter)
    response = client.post(reverse("beneficiaries:create"), form_data(consent_data="", first_name="", last_name=""))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"consent_data", "first_name", "last_name"} <= set(errors)
    response = client.post(
        reverse("beneficiaries:create"),
        form_data(first_name="", last_name="", pseudonym="Jojo", mobile_phone="", preferred_channel=""),
    )
    assert response.status_code == 302
    assert Beneficiary.objects.get(pseudonym="Jojo").site == world.o1


def test_national_manager_reads_but_does_not_record(client, world):
    client.force_login(world.users.national)
    assert client.get(reverse("beneficiaries:create")).status_code == 403
    assert client.get(detail_url(world.people.at_o3)).status_code == 200
    assert client.get(detail_url(world.people.at_p1)).status_code == 404  # the association's person


def test_edit_consent_merge_delete(client, world):
    mediator = world.users.mediator
    client.force_login(mediator)
    person = world.people.at_o1
    response = client.post(
        reverse("beneficiaries:edit", args=[person.pk]),
        form_data(site=world.o1.pk, first_name="Anne", last_name=person.last_name, commune="22113", consent_data=""),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.journal.filter(action=JournalAction.UPDATED).exists()

    client.post(reverse("beneficiaries:consent", args=[person.pk]), {"kind": "contact", "given": "non"})
    assert person.consents.get(kind="contact").given is False

    twin = BeneficiaryFactory(
        organisation=world.la_poste,
        site=world.o1,
        first_name="anne",
        last_name=person.last_name,
        birth_year=person.birth_year,
        commune=person.commune,
    )
    DiagnosticFactory(beneficiary=twin)
    page = client.get(detail_url(person))
    assert page.context["duplicates"] == [twin]
    assert client.get(reverse("beneficiaries:merge", args=[person.pk, twin.pk])).status_code == 200
    client.post(reverse("beneficiaries:merge", args=[person.pk, twin.pk]))
    twin.refresh_from_db()
    assert twin.merged_into == person and person.diagnostics.count() == 1
    assert client.get(detail_url(twin)).status_code == 404

    assert client.get(reverse("beneficiaries:delete", args=[person.pk])).status_code == 200
    response = client.post(reverse("beneficiaries:delete", args=[person.pk]))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.anonymised_at and person.first_name == ""
    assert client.get(detail_url(person)).status_code == 404


def test_merge_across_organisations_is_refused(client, world):
    client.force_login(world.users.mediator)
    response = client.get(reverse("beneficiaries:merge", args=[world.people.at_o1.pk, world.people.at_p1.pk]))
    assert response.status_code == 404
    assert world.people.at_p1.merged_into is None
