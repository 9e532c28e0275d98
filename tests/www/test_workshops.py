import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.beneficiaries.factories import BeneficiaryFactory, DiagnosticFactory
from tests.beneficiaries.worlds import make_world
from tests.workshops.factories import ProgrammeFactory, RegistrationFactory, SessionFactory
from tremplin.beneficiaries.models import Beneficiary
from tremplin.workshops import services
from tremplin.workshops.enums import RegistrationStatus, SessionStatus
from tremplin.workshops.models import Programme, Registration, Session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_notifications(monkeypatch):
    monkeypatch.setattr("tremplin.workshops.services.registration_notify", lambda **kwargs: None)


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def mediator_client(client, world):
    client.force_login(world.users.mediator)
    return client


def public_data(session, **changes):
    return {
        "session": session.pk,
        "first_name": "Lucie",
        "last_name": "Perrin",
        "phone": "06 11 22 33 44",
        "birth_year": "1956",
        "consent": "on",
        **changes,
    }


def test_public_page_records_a_request_without_account_and_can_be_embedded(client, world):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator, capacity=1)
    page = client.get(reverse("workshops:public", args=[world.o1.pk]))
    assert page.status_code == 200
    assert "X-Frame-Options" not in page.headers  # this page only may be shown in a partner's frame
    assert session.programme.title in page.content.decode()
    embedded = client.get(reverse("workshops:public", args=[world.o1.pk]) + "?integre=1").content.decode()
    assert "fr-header" not in embedded and "fr-footer" not in embedded
    response = client.post(reverse("workshops:public", args=[world.o1.pk]), public_data(session))
    assert response.status_code == 200
    assert "Votre demande est enregistrée" in response.content.decode()
    registration = Registration.objects.get()
    assert registration.status == RegistrationStatus.REQUESTED and registration.source == "public"
    assert str(registration.token) not in response.content.decode()  # the link goes to the person's own phone
    # The ticked consent box is kept, as given by the person herself online (nobody recorded it for her).
    consents = registration.beneficiary.consents.all()
    assert sorted(c.kind for c in consents) == ["contact", "traitement_donnees"]
    assert all(c.given and c.recorded_by is None for c in consents)
    # The same phone again: one person, no second request, and the same answer.
    again = client.post(reverse("workshops:public", args=[world.o1.pk]), public_data(session, first_name="Autre"))
    assert "Votre demande est enregistrée" in again.content.decode()
    assert Beneficiary.objects.filter(mobile_phone="0611223344").count() == 1
    assert Registration.objects.count() == 1
    # Other pages keep refusing frames.
    assert client.get(reverse("workshops:manage", args=[registration.token])).headers["X-Frame-Options"] == "DENY"


def test_public_page_errors_are_per_field_in_french(client, world):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator)
    response = client.post(
        reverse("workshops:public", args=[world.o1.pk]), public_data(session, phone="12", consent="")
    )
    text = response.content.decode()
    assert "Numéro de téléphone invalide" in text
    assert not Registration.objects.exists()


def test_public_page_honeypot_and_rate_limit(client, world, settings):
    from django.core.cache import cache

    cache.clear()
    session = SessionFactory(site=world.o1, mediator=world.users.mediator, capacity=50)
    url = reverse("workshops:public", args=[world.o1.pk])
    client.post(url, public_data(session, website="http://spam.example"))
    assert not Registration.objects.exists()
    for i in range(25):
        client.post(url, public_data(session, phone=f"06000000{i:02d}"))
    assert Registration.objects.count() == 19  # 20 posts an hour from one address, the robot's included
    cache.clear()


def test_confirm_and_cancel_by_token_promotes_the_waitlist(client, world):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator, capacity=1)
    seated = RegistrationFactory(session=session)
    waiting = RegistrationFactory(session=session, waitlisted=True)
    url = reverse("workshops:manage", args=[seated.token])
    page = client.get(url).content.decode()
    assert "Je confirme" in page and "j'annule" in page
    client.post(url, {"action": "confirmer"})
    seated.refresh_from_db()
    assert seated.confirmed_by_person_at is not None
    client.post(url, {"action": "annuler"})
    seated.refresh_from_db()
    waiting.refresh_from_db()
    assert seated.status == RegistrationStatus.CANCELLED and waiting.status == RegistrationStatus.CONFIRMED
    assert "est annulée" in client.get(url).content.decode()
    assert client.get("/ateliers/inscription/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_staff_books_a_person_from_the_diagnostic_themes(mediator_client, world):
    person = world.people.at_o1
    diagnostic = DiagnosticFactory(beneficiary=person, use_cases={"email": "entierement_accompagne"})
    email = SessionFactory(site=world.o1, mediator=world.users.mediator, programme=ProgrammeFactory(theme="email"))
    health = SessionFactory(site=world.o1, programme=ProgrammeFactory(theme="sante", title="Santé en ligne"))
    detail = mediator_client.get(reverse("diagnostics:detail", args=[diagnostic.pk])).content.decode()
    assert reverse("workshops:person", args=[person.pk]) + "?theme=email" in detail
    page = mediator_client.get(reverse("workshops:person", args=[person.pk]) + "?theme=email").content.decode()
    assert email.programme.title in page and health.programme.title not in page
    mediator_client.post(reverse("workshops:person_book", args=[person.pk, email.pk]))
    registration = Registration.objects.get(beneficiary=person)
    assert registration.created_by == world.users.mediator and registration.source == "staff"
    # Someone the mediator does not see cannot be booked.
    response = mediator_client.post(reverse("workshops:person_book", args=[world.people.at_o3.pk, email.pk]))
    assert response.status_code == 404


def test_session_create_weekly_series_edit_and_cancel(mediator_client, world):
    programme = ProgrammeFactory()
    day = timezone.localdate() + datetime.timedelta(days=3)
    data = {
        "programme": programme.pk,
        "site": world.o1.pk,
        "date": day.isoformat(),
        "start_time": "14:00",
        "capacity": "8",
        "weeks": "6",
    }
    response = mediator_client.post(reverse("workshops:session_create"), data)
    assert response.status_code == 302
    sessions = list(Session.objects.order_by("starts_at"))
    assert len(sessions) == 6 and sessions[0].mediator == world.users.mediator
    first = sessions[0]
    RegistrationFactory(session=first)
    edit = {**data, "capacity": "10", "start_time": "15:00"}
    edit.pop("weeks")
    assert mediator_client.post(reverse("workshops:session_edit", args=[first.pk]), edit).status_code == 302
    first.refresh_from_db()
    assert first.capacity == 10 and timezone.localtime(first.starts_at).hour == 15
    mediator_client.post(reverse("workshops:session_cancel", args=[first.pk]))
    first.refresh_from_db()
    assert first.status == SessionStatus.CANCELLED


def test_counter_agent_cannot_plan_sessions_and_others_sessions_are_hidden(client, world):
    client.force_login(world.users.counter)
    assert client.get(reverse("workshops:session_create")).status_code == 403
    hidden = SessionFactory(site=world.o3)
    assert client.get(reverse("workshops:session", args=[hidden.pk])).status_code == 404


def test_session_page_flags_people_to_tell_in_person(mediator_client, world):
    from tremplin.beneficiaries.enums import ConsentKind
    from tremplin.beneficiaries.services import consent_record

    session = SessionFactory(site=world.o1, mediator=world.users.mediator)
    quiet, reachable = RegistrationFactory(session=session), RegistrationFactory(session=session)
    consent_record(beneficiary=quiet.beneficiary, kind=ConsentKind.CONTACT, given=False, by=world.users.mediator)
    page = mediator_client.get(reverse("workshops:session", args=[session.pk])).content.decode()
    row = page.split(quiet.beneficiary.display_name, 1)[1].split("</tr>", 1)[0]
    assert "la prévenir de vive voix" in row
    assert "la prévenir de vive voix" not in page.split(reachable.beneficiary.display_name, 1)[1].split("</tr>", 1)[0]


def test_catalogue_crud(mediator_client):
    services.seed_catalogue()
    page = mediator_client.get(reverse("workshops:catalogue")).content.decode()
    assert "Créer et utiliser son adresse e-mail" in page
    data = {
        "title": "Sécurité en ligne",
        "theme": "securite_numerique",
        "level": "debutant",
        "duration_minutes": "90",
        "objective": "reconnaît un message frauduleux",
        "is_active": "on",
    }
    assert mediator_client.post(reverse("workshops:programme_create"), data).status_code == 302
    programme = Programme.objects.get(title="Sécurité en ligne")
    mediator_client.post(reverse("workshops:programme_edit", args=[programme.pk]), {**data, "level": "avance"})
    programme.refresh_from_db()
    assert programme.level == "avance"


def past_session_with_people(world):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator, past=True, capacity=4)
    people = [RegistrationFactory(session=session, beneficiary=BeneficiaryFactory(site=world.o1)) for _ in range(3)]
    return session, people


def test_attendance_sheet_then_certificate_pdf(mediator_client, world):
    session, (present, absent, excused) = past_session_with_people(world)
    page = mediator_client.get(reverse("workshops:attendance", args=[session.pk])).content.decode()
    assert present.beneficiary.display_name in page
    response = mediator_client.post(
        reverse("workshops:attendance", args=[session.pk]),
        {
            f"presence-{present.pk}": "present",
            f"autonomie-{present.pk}": "autonome",
            f"presence-{absent.pk}": "absent",
            f"presence-{excused.pk}": "excused",
        },
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.DONE
    pdf = mediator_client.get(reverse("workshops:certificate", args=[present.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert mediator_client.get(reverse("workshops:certificate", args=[absent.pk])).status_code == 404
    stats = mediator_client.get(reverse("workshops:stats")).content.decode()
    assert "75 %" in stats  # 3 people for 4 seats
    assert "33 %" in stats  # 1 absent among 3 recorded


def test_printable_sheet_and_csv(mediator_client, world):
    session, people = past_session_with_people(world)
    RegistrationFactory(session=session, waitlisted=True)
    pdf = mediator_client.get(reverse("workshops:attendance_pdf", args=[session.pk]))
    assert pdf.content.startswith(b"%PDF")
    response = mediator_client.get(reverse("workshops:participants_csv", args=[session.pk]))
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0][:3] == ["Nom", "Prénom", "Pseudonyme"] and "Inscrit par" in rows[0]
    assert len(rows) == 5
    assert {row[6] for row in rows[1:]} == {"Inscrit", "Sur liste d'attente"}


def test_calendar_week_and_ical_feed(mediator_client, world):
    from icalendar import Calendar

    session = SessionFactory(site=world.o1, mediator=world.users.mediator)
    week = timezone.localtime(session.starts_at).date().isoformat()
    page = mediator_client.get(reverse("workshops:calendar") + f"?semaine={week}").content.decode()
    assert session.programme.title in page
    mediator_client.post(reverse("workshops:calendar_feed"))
    feed = world.users.mediator.calendar_feed
    response = mediator_client.get(reverse("workshops:ical", args=[feed.token]))
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1 and session.programme.title in str(events[0]["summary"])
    assert events[0].decoded("dtstart") == session.starts_at.replace(microsecond=0)
    old = feed.token
    mediator_client.post(reverse("workshops:calendar_feed"), {"renouveler": "1"})
    assert mediator_client.get(reverse("workshops:ical", args=[old])).status_code == 404


def test_list_pages_have_bounded_queries(mediator_client, world, django_assert_max_num_queries):
    for _ in range(3):
        session = SessionFactory(site=world.o1, mediator=world.users.mediator)
        for _ in range(3):
            RegistrationFactory(session=session)
    past, _ = past_session_with_people(world)
    urls = [
        reverse("workshops:index"),
        reverse("workshops:calendar"),
        reverse("workshops:session", args=[session.pk]),
        reverse("workshops:stats"),
        reverse("workshops:public", args=[world.o1.pk]),
        reverse("workshops:person", args=[world.people.at_o1.pk]),
    ]
    counts = {}
    for url in urls:
        mediator_client.get(url)  # warm up (sessions, OTP)
        with django_assert_max_num_queries(14) as captured:
            assert mediator_client.get(url).status_code == 200
        counts[url] = len(captured)
    for _ in range(5):
        extra = SessionFactory(site=world.o1, mediator=world.users.mediator)
        RegistrationFactory(session=extra)
    for url in urls:
        with django_assert_max_num_queries(counts[url]) as captured:
            mediator_client.get(url)
