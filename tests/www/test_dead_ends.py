"""Dead ends: a form a role cannot fill in, a link a role cannot follow (issue 10)."""

import datetime
import re
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.otp import mark_verified
from tests.beneficiaries.worlds import make_world
from tests.factories import UserFactory
from tests.workshops.factories import ProgrammeFactory, SessionFactory
from tremplin.accounts import second_factor
from tremplin.accounts.enums import Role
from tremplin.accounts.models import User
from tremplin.mandates.perms import visible_mandates
from tremplin.workshops import services
from tremplin.workshops.models import Session
from tremplin.workshops.perms import visible_sessions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_notifications(monkeypatch):
    monkeypatch.setattr("tremplin.workshops.services.registration_notify", lambda **kwargs: None)


def _session_post(programme, site, leader, **changes):
    day = timezone.localdate() + datetime.timedelta(days=10)
    return {
        "programme": programme.pk,
        "site": site.pk,
        "mediator": leader.pk,
        "date": day.isoformat(),
        "start_time": "14:00",
        "capacity": "8",
        "weeks": "1",
        **changes,
    }


def test_partner_schedules_a_session_at_their_place_led_by_themselves_or_their_staff(client):
    world = make_world()
    partner = world.users.partner
    colleague = UserFactory(partner=True, organisation=world.association, first_name="Inès")
    outsider = UserFactory(partner=True, first_name="Hors-structure")
    programme = ProgrammeFactory()
    client.force_login(partner)
    page = client.get(reverse("workshops:session_create")).content.decode()
    options = re.search(r'<select name="mediator"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert f'value="{partner.pk}" selected' in options
    assert f'value="{colleague.pk}"' in options
    assert f'value="{world.users.partner_mediator_elsewhere.pk}"' in options  # the association's own mediator
    assert f'value="{outsider.pk}"' not in options and f'value="{world.users.mediator.pk}"' not in options

    response = client.post(reverse("workshops:session_create"), _session_post(programme, world.p1, partner))
    session = Session.objects.get()
    assert response.status_code == 302 and response.url == reverse("workshops:session", args=[session.pk])
    assert session.site == world.p1 and session.mediator == partner and session.created_by == partner
    assert client.get(response.url).status_code == 200

    client.post(reverse("workshops:session_create"), _session_post(programme, world.p1, colleague))
    assert Session.objects.filter(mediator=colleague, site=world.p1).exists()
    refused = client.post(reverse("workshops:session_create"), _session_post(programme, world.p1, outsider))
    assert refused.status_code == 200 and Session.objects.count() == 2


def test_session_create_refuses_a_leader_the_scheduler_may_not_pick():
    world = make_world()
    programme = ProgrammeFactory()
    starts_at = timezone.now() + datetime.timedelta(days=3)
    fields = {"programme": programme, "site": world.p1, "starts_at": starts_at, "capacity": 8}
    with pytest.raises(ValidationError) as error:
        services.session_create(mediator=world.users.mediator, by=world.users.partner, **fields)
    assert "mediator" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.session_create(mediator=world.users.partner, by=world.users.mediator, **fields)
    assert services.session_create(mediator=world.users.partner, by=world.users.partner, **fields).pk
    # A coordinator names the mediators serving the sites of their départements, not those of another one.
    assert services.session_create(mediator=world.users.mediator, by=world.users.coordinator_22, **fields).pk
    with pytest.raises(ValidationError):
        services.session_create(mediator=world.users.mediator, by=world.users.coordinator_29, **fields)


# --- links a role cannot follow ---------------------------------------------------------------------

HREF = re.compile(r'<a\b[^>]*?\bhref="([^"#]+)[^"]*"', re.S)
DEAD = (403, 404, 500)


def _internal_links(html: str) -> set[str]:
    """The GET links of a page that stay on the platform (not static files, not other sites)."""
    links = set()
    for href in HREF.findall(html):
        href = href.replace("&amp;", "&")
        if href.startswith("/") and not href.startswith(("//", "/static/")):
            links.add(href)
    return links


def test_every_link_shown_to_a_demo_role_can_be_followed(client, settings, tmp_path):
    """For each role of the demo, the home page, the menu's pages and a session page they see: no link on
    them answers « accès refusé », « page introuvable » or an error."""
    settings.TREMPLIN_DATA_DIR = ""
    settings.VAR_DIR = tmp_path
    settings.TREMPLIN_CACHE_DIR = tmp_path / "cache"
    call_command("setup_demo", stdout=StringIO())
    dead = []
    anonymous = client.get(reverse("home:index")).content.decode()  # the public home: find a workshop, sign in
    for url in sorted(_internal_links(anonymous)):
        status = client.get(url, follow=True).status_code
        if status in DEAD:
            dead.append(("anonyme", "lien", url, status))
    # The demo's extra mediators (mediateur-N@) exist for the dashboards only: they cannot sign in.
    signing_in = User.objects.filter(email__endswith="@demo.tremplin.fr").exclude(password__startswith="!")
    for user in signing_in.order_by("email"):
        role = f"{user.get_role_display()} ({user.email})"
        client.force_login(user)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device:  # aidant@: as after entering a code, within the last 15 minutes
            mark_verified(client, device)
            session = client.session
            session[second_factor.SESSION_VERIFIED_AT] = timezone.now().isoformat()
            session.save()
        home = client.get(reverse("home:index"))
        assert home.status_code == 200
        pages = {reverse("home:index"): home.content.decode()}
        menu = [item["url"] for item in home.context["main_menu"]]
        session = visible_sessions(user).upcoming().order_by("starts_at").first()
        assert session is not None, role
        mandates = visible_mandates(user).order_by("pk")
        starts_extra = [reverse("mandates:detail", args=[m.pk]) for m in mandates[:5]]
        starts = [*menu, reverse("workshops:session", args=[session.pk]), *starts_extra]
        for url in starts:
            response = client.get(url, follow=True)
            if response.status_code in DEAD:
                dead.append((role, "menu/séance", url, response.status_code))
            pages[url] = response.content.decode()
        links = set().union(*(_internal_links(html) for html in pages.values())) - set(pages)
        for url in sorted(links):
            status = client.get(url, follow=True).status_code
            if status in DEAD:
                dead.append((role, "lien", url, status))
        client.logout()
    assert not dead, "\n".join(f"{role} — {kind} {url} : {status}" for role, kind, url, status in dead)


def test_session_documents_are_offered_only_to_who_may_open_them(client):
    """The attendance sheet and the participants list: shown to who books or runs sessions, and they open."""

    world = make_world()
    session = SessionFactory(site=world.o1, mediator=world.users.mediator)
    links = (
        reverse("workshops:attendance_pdf", args=[session.pk]),
        reverse("workshops:participants_csv", args=[session.pk]),
    )
    # A counter agent attached to no structure sees the session but books nobody.
    no_structure = UserFactory(role=Role.COUNTER_AGENT, organisation=None, sites=[world.o1])
    client.force_login(no_structure)
    page = client.get(reverse("workshops:session", args=[session.pk])).content.decode()
    assert not any(link in page for link in links)
    assert all(client.get(link).status_code == 403 for link in links)
    client.force_login(world.users.counter)
    page = client.get(reverse("workshops:session", args=[session.pk])).content.decode()
    assert all(link in page for link in links)
    assert all(client.get(link).status_code == 200 for link in links)
