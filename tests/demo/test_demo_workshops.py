from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tremplin.workshops.enums import RegistrationStatus, SessionStatus
from tremplin.workshops.models import Programme, Registration, Session

pytestmark = pytest.mark.django_db


def test_demo_has_catalogue_past_attendance_and_upcoming_full_sessions_with_waitlist(settings, tmp_path, monkeypatch):
    monkeypatch.setattr("tremplin.workshops.services.registration_notify", lambda **kwargs: None)
    settings.TREMPLIN_DATA_DIR = ""
    settings.VAR_DIR = tmp_path
    settings.TREMPLIN_CACHE_DIR = tmp_path / "cache"
    out = StringIO()
    call_command("setup_demo", stdout=out)
    assert "Séances d'ateliers de démonstration créées" in out.getvalue()
    assert Programme.objects.exclude(seed_key="").count() == 5
    now = timezone.now()
    past = Session.objects.filter(starts_at__lt=now)
    assert past.filter(status=SessionStatus.DONE).exists()
    assert Registration.objects.filter(session__in=past).exclude(attendance="").exists()
    upcoming = Session.objects.upcoming()
    assert upcoming.values("site").distinct().count() >= 3
    assert all(8 <= s.capacity <= 12 for s in upcoming)
    assert Registration.objects.filter(session__in=upcoming, status=RegistrationStatus.WAITLISTED).exists()
    for session in upcoming:
        assert session.registrations.confirmed().count() <= session.capacity
    assert any(s.registrations.confirmed().count() < s.capacity for s in upcoming)

    counts = (Session.objects.count(), Registration.objects.count(), Programme.objects.count())
    call_command("setup_demo", stdout=StringIO())
    assert (Session.objects.count(), Registration.objects.count(), Programme.objects.count()) == counts
