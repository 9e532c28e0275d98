"""Messages screens: to-call list, letters to print, failed sendings; scoping per role; query counts."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.beneficiaries.worlds import make_world
from tests.factories import UserFactory
from tests.notifications.factories import RegistrationFactory, SessionFactory
from tremplin.beneficiaries.enums import AccessPurpose
from tremplin.beneficiaries.models import AccessLog
from tremplin.notifications import backends, services
from tremplin.notifications.enums import NotificationKind, NotificationStatus
from tremplin.notifications.models import Notification
from tremplin.www.context_processors import navigation

pytestmark = pytest.mark.django_db


def _listed(response) -> list[Notification]:
    """The messages on the call list page (both lists: with a number, without one)."""
    pages = (response.context["page"], response.context["no_phone_page"])
    return [n for page in pages for row in page.object_list for n in row.notifications]


@pytest.fixture
def world():
    """make_world() plus one "to call" message per session: at o1 (22, run by someone else), at o3 (29, run
    by our mediator), at the partner place p1 (22), and a remote session for a person living in Brest (29)."""
    world = make_world()
    other = UserFactory(mediator=True, organisation=world.la_poste)
    sessions = {
        "o1": SessionFactory(site=world.o1, mediator=other),
        "o3": SessionFactory(site=world.o3, mediator=world.users.mediator),
        "p1": SessionFactory(site=world.p1, mediator=world.users.partner_mediator_elsewhere),
        "remote": SessionFactory(remote=True, mediator=other),
    }
    people = {
        "o1": world.people.at_o1,
        "o3": world.people.at_o3,
        "p1": world.people.at_p1,
        "remote": world.people.no_site_29,
    }
    world.calls = {}
    for key, session in sessions.items():
        person = people[key]
        person.preferred_channel, person.landline_phone = "appel", "0296000000"
        person.save()
        registration = RegistrationFactory(session=session, beneficiary=person)
        world.calls[key] = services.registration_notify(registration=registration, kind=NotificationKind.CONFIRMATION)
    return world


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("mediator", {"o1", "o3"}),  # their site, and the session they run elsewhere
        ("coordinator_22", {"o1", "p1"}),
        ("coordinator_29", {"o3", "remote"}),
        ("national", {"o1", "o3", "p1", "remote"}),
        ("admin", {"o1", "o3", "p1", "remote"}),
    ],
)
def test_to_call_list_is_scoped_per_role(client, world, user, expected):
    client.force_login(getattr(world.users, user))
    response = client.get(reverse("notifications:to_call"))
    assert response.status_code == 200
    shown = {key for key, n in world.calls.items() if n in _listed(response)}
    assert shown == expected


@pytest.mark.parametrize("user", ["counter", "partner"])
def test_other_roles_have_no_access(client, world, user):
    client.force_login(getattr(world.users, user))
    assert client.get(reverse("notifications:to_call")).status_code == 403
    assert (
        client.post(reverse("notifications:calls_done"), {"notifications": [world.calls["o1"].pk]}).status_code == 403
    )


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("notifications:index"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_call_done_is_recorded_with_who_and_when(client, world):
    call = world.calls["o1"]
    client.force_login(world.users.mediator)
    page = client.get(reverse("notifications:to_call")).content.decode()
    assert "Anne" in page and "0296000000" in page and "Appel fait" in page and "Préfère être appelé(e)" in page
    response = client.post(reverse("notifications:calls_done"), {"notifications": [call.pk]}, follow=True)
    assert "noté comme fait" in response.content.decode()
    call.refresh_from_db()
    assert (call.status, call.handled_by) == (NotificationStatus.CALLED, world.users.mediator)
    assert call.handled_at is not None
    assert call not in _listed(response)


def test_call_out_of_scope_is_not_found(client, world):
    client.force_login(world.users.coordinator_29)
    assert (
        client.post(reverse("notifications:calls_done"), {"notifications": [world.calls["o1"].pk]}).status_code == 404
    )
    world.calls["o1"].refresh_from_db()
    assert world.calls["o1"].status == NotificationStatus.TO_CALL


def test_to_call_list_query_count_is_bounded(client, world, django_assert_max_num_queries):
    for _ in range(30):
        person = BeneficiaryFactory(organisation=world.la_poste, site=world.o1, preferred_channel="appel")
        person.landline_phone = "0296000001"
        person.save()
        registration = RegistrationFactory(session=SessionFactory(site=world.o1), beneficiary=person)
        services.registration_notify(registration=registration, kind=NotificationKind.REMINDER)
    client.force_login(world.users.mediator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("notifications:to_call"))
    assert len(response.context["page"].object_list) == 32


def letters_world(world):
    letters = []
    for name in ("Yvonne", "Gwenaëlle"):
        person = BeneficiaryFactory(
            organisation=world.la_poste,
            site=world.o1,
            first_name=name,
            preferred_channel="courrier",
            postal_address="12 rue des Ajoncs\n22300 Lannion",
        )
        registration = RegistrationFactory(session=SessionFactory(site=world.o1), beneficiary=person)
        letters.append(services.registration_notify(registration=registration, kind=NotificationKind.CONFIRMATION))
    return letters


def test_letters_download_one_or_all_then_mark_printed(client, world):
    yvonne, gwen = letters_world(world)
    client.force_login(world.users.mediator)
    page = client.get(reverse("notifications:letters"))
    assert list(page.context["page"].object_list) == [yvonne, gwen]
    assert "Télécharger ces 2 courriers" in page.content.decode()

    single = client.get(reverse("notifications:letter_pdf", args=[yvonne.pk]))
    assert single["Content-Type"] == "application/pdf" and single.content.startswith(b"%PDF-")

    batch = client.get(reverse("notifications:letters_pdf"), {"notifications": [yvonne.pk, gwen.pk]})
    assert batch.status_code == 200 and batch.content.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(batch.content)).pages) >= 2

    response = client.post(reverse("notifications:letters_printed"), {"notifications": [yvonne.pk]}, follow=True)
    assert "1 courrier noté imprimé" in response.content.decode()
    yvonne.refresh_from_db()
    assert (yvonne.status, yvonne.handled_by) == (NotificationStatus.PRINTED, world.users.mediator)
    assert list(response.context["page"].object_list) == [gwen]
    # Printed letters are no longer in a batch; a letter out of scope never is.
    client.force_login(world.users.coordinator_29)
    assert client.get(reverse("notifications:letter_pdf", args=[gwen.pk])).status_code == 404
    refused = client.post(reverse("notifications:letters_printed"), {"notifications": [gwen.pk]})
    assert refused.status_code == 302
    gwen.refresh_from_db()
    assert gwen.status == NotificationStatus.TO_PRINT


def test_failures_are_shown_and_can_be_sent_again(client, world, settings, django_capture_on_commit_callbacks):
    settings.TREMPLIN_SMS_BACKEND = "tremplin.notifications.backends.HttpSmsBackend"
    settings.TREMPLIN_SMS_URL = ""  # no provider: every attempt fails
    person = BeneficiaryFactory(organisation=world.la_poste, site=world.o1, mobile_phone="0612345678")
    registration = RegistrationFactory(session=SessionFactory(site=world.o1), beneficiary=person)
    with django_capture_on_commit_callbacks(execute=True):
        failed = services.registration_notify(registration=registration, kind=NotificationKind.CONFIRMATION)
    failed.refresh_from_db()
    assert failed.status == NotificationStatus.FAILED

    client.force_login(world.users.mediator)
    page = client.get(reverse("notifications:failures"))
    assert list(page.context["page"].object_list) == [failed]
    content = page.content.decode()
    assert "Aucun prestataire SMS configuré" in content and "Renvoyer" in content

    settings.TREMPLIN_SMS_BACKEND = "tremplin.notifications.backends.LocmemSmsBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notifications:retry", args=[failed.pk]), follow=True)
    assert "Nouvel envoi demandé" in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == NotificationStatus.SENT and len(backends.outbox) == 1


def test_index_counts_what_waits(client, world):
    letters_world(world)
    client.force_login(world.users.mediator)
    response = client.get(reverse("notifications:index"))
    counts = {item["key"]: item["count"] for item in response.context["menu"]}
    assert counts == {"to_call": 2, "to_print": 2, "failed": 0}


@pytest.mark.parametrize(
    ("user", "shown"),
    [("mediator", True), ("coordinator_22", True), ("national", True), ("counter", False), ("partner", False)],
)
def test_menu_entry_without_query(rf, world, user, shown, django_assert_num_queries):
    request = rf.get("/")
    request.user = getattr(world.users, user)
    with django_assert_num_queries(0):
        menu = navigation(request)["main_menu"]
    assert any(item["label"] == "Messages" for item in menu) is shown


def test_no_message_for_pk_of_another_kind(client, world):
    """The letter PDF view only serves letters."""
    client.force_login(world.users.national)
    assert client.get(reverse("notifications:letter_pdf", args=[world.calls["o1"].pk])).status_code == 404
    assert Notification.objects.filter(status=NotificationStatus.TO_CALL).count() == 4


# --- the call list: one row per person and day (issue 10) -------------------------------------------------


def _calls_for(world, person, n, *, created_at=None):
    calls = []
    for _ in range(n):
        registration = RegistrationFactory(session=SessionFactory(site=world.o1), beneficiary=person)
        call = services.registration_notify(registration=registration, kind=NotificationKind.CONFIRMATION)
        if created_at is not None:
            Notification.objects.filter(pk=call.pk).update(created_at=created_at)
        calls.append(call)
    return calls


def _caller(world, **fields):
    fields.setdefault("landline_phone", "0296000009")
    return BeneficiaryFactory(organisation=world.la_poste, site=world.o1, preferred_channel="appel", **fields)


def test_to_call_shows_one_row_per_person_and_day_with_every_session(client, world):
    person = _caller(world, first_name="Marcel")
    today = _calls_for(world, person, 7)
    yesterday = _calls_for(world, person, 2, created_at=timezone.now() - datetime.timedelta(days=1))
    client.force_login(world.users.mediator)
    response = client.get(reverse("notifications:to_call"))
    rows = [row for row in response.context["page"].object_list if row.beneficiary_id == person.pk]
    assert [set(row.notifications) for row in rows] == [set(yesterday), set(today)]
    page = response.content.decode()
    assert page.count(f"<strong>{person.display_name}</strong>") == 2  # one row per day, not one per session
    row_form = f'name="notifications" value="{today[0].pk}"'
    assert row_form in page and page.count(reverse("notifications:calls_done")) == 2 + 1  # o1 and o3 rows


def test_one_call_done_marks_every_message_of_the_row(client, world):
    person = _caller(world, first_name="Marcel")
    calls = _calls_for(world, person, 3)
    client.force_login(world.users.mediator)
    response = client.post(reverse("notifications:calls_done"), {"notifications": [c.pk for c in calls]}, follow=True)
    assert "Appel à Marcel" in response.content.decode() and "(3 messages)" in response.content.decode()
    assert set(Notification.objects.filter(pk__in=[c.pk for c in calls]).values_list("status", "handled_by")) == {
        (NotificationStatus.CALLED, world.users.mediator.pk)
    }
    assert person.pk not in {row.beneficiary_id for row in response.context["page"].object_list}


def test_call_done_for_a_row_out_of_scope_changes_nothing(client, world):
    client.force_login(world.users.coordinator_29)
    client.post(reverse("notifications:calls_done"), {"notifications": [world.calls["o1"].pk]})
    world.calls["o1"].refresh_from_db()
    assert world.calls["o1"].status == NotificationStatus.TO_CALL


def test_people_without_a_number_are_listed_apart_without_call_done(client, world):
    nobody = BeneficiaryFactory(organisation=world.la_poste, site=world.o1, first_name="Sansnum")
    calls = _calls_for(world, nobody, 2)
    assert {c.reason for c in calls} == {services.REASON_NO_CONTACT}
    client.force_login(world.users.mediator)
    response = client.get(reverse("notifications:to_call"))
    assert nobody.pk not in {row.beneficiary_id for row in response.context["page"].object_list}
    [row] = response.context["no_phone_page"].object_list
    assert set(row.notifications) == set(calls)
    page = response.content.decode()
    assert "Aucun numéro" not in page
    with_phone, no_phone = page.split("Sans numéro : prévenir au guichet ou par courrier")
    assert "Sansnum" not in with_phone and "Sansnum" in no_phone
    assert "Appel fait" not in no_phone and "Personne prévenue" in no_phone


def test_to_call_paginates_by_rows(client, world):
    for i in range(51):
        _calls_for(world, _caller(world, first_name=f"P{i}"), 2)
    client.force_login(world.users.mediator)
    first = client.get(reverse("notifications:to_call"))
    assert len(first.context["page"].object_list) == 50
    # Anne (o1) and Chloé (o3) first, one message each, then 48 people with two messages each.
    assert sum(len(row.notifications) for row in first.context["page"].object_list) == 2 + 48 * 2
    second = client.get(reverse("notifications:to_call"), {"page": 2})
    assert len(second.context["page"].object_list) == 53 - 50  # 51 people, Anne (o1) and Chloé (o3)


def test_to_call_query_count_does_not_grow_with_rows(client, world, django_assert_max_num_queries):
    for i in range(20):
        _calls_for(world, _caller(world, first_name=f"P{i}"), 3)
        _calls_for(world, BeneficiaryFactory(organisation=world.la_poste, site=world.o1), 2)
    client.force_login(world.users.mediator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("notifications:to_call"))
    assert len(response.context["page"].object_list) == 22 and len(response.context["no_phone_page"].object_list) == 20


def test_masked_person_row_has_no_number_and_no_call_done_and_screen_journals_once(client, world):
    denis = world.people.at_p1  # the association's person: masked for La Poste's coordinator
    denis.landline_phone = "0296777777"
    denis.save()
    client.force_login(world.users.coordinator_22)
    response = client.get(reverse("notifications:to_call"))
    assert sum(row.person.is_masked for row in response.context["page"].object_list) == 1
    page = response.content.decode()
    assert "0296777777" not in page and denis.last_name not in page
    assert f'value="{world.calls["p1"].pk}"' not in page
    assert "À appeler par sa structure" in page
    logs = AccessLog.objects.filter(purpose=AccessPurpose.CALL_LIST)
    assert list(logs.values_list("beneficiary", flat=True)) == [world.people.at_o1.pk]
    assert logs.values("about").distinct().count() == 1
