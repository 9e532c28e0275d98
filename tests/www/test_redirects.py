"""No open redirect: every `next` goes through tremplin.www.redirects.safe_next, on every endpoint that takes one."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from tests.accounts.otp import current_code, make_device
from tests.beneficiaries.worlds import make_world
from tests.factories import PASSWORD, UserFactory
from tests.workshops.factories import RegistrationFactory, SessionFactory
from tremplin.workshops.enums import RegistrationStatus
from tremplin.www.redirects import safe_next

pytestmark = pytest.mark.django_db

HOSTILE = ["https://evil.example/", "//evil.example", "/\\evil.example", "http://evil.example/x", "\\\\evil.example"]
HOME = reverse("home:index")


@pytest.fixture(autouse=True)
def _no_notifications(monkeypatch):
    monkeypatch.setattr("tremplin.workshops.services.registration_notify", lambda **kwargs: None)


@pytest.mark.parametrize("url", HOSTILE)
def test_safe_next_refuses_other_sites(url):
    assert safe_next(RequestFactory().get("/", {"next": url})) == ""
    assert safe_next(RequestFactory().post("/", {"next": url})) == ""


def test_safe_next_keeps_pages_of_this_site():
    assert safe_next(RequestFactory().get("/", {"next": "/ateliers/?lieu=3"})) == "/ateliers/?lieu=3"
    assert (
        safe_next(RequestFactory().get("/", {"next": "http://testserver/ateliers/"})) == "http://testserver/ateliers/"
    )
    # Served over HTTPS: a plain http:// address of the same host is refused too.
    assert safe_next(RequestFactory().get("/", {"next": "http://testserver/a/"}, secure=True)) == ""


@pytest.mark.parametrize("url", HOSTILE)
def test_registration_cancel_refuses_an_external_next(client, url):
    world = make_world()
    session = SessionFactory(site=world.o1, mediator=world.users.mediator)
    registration = RegistrationFactory(session=session)
    client.force_login(world.users.mediator)
    response = client.post(reverse("workshops:registration_cancel", args=[registration.pk]), {"next": url})
    assert response.status_code == 302
    assert response["Location"] == reverse("workshops:session", args=[session.pk])
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


def test_registration_cancel_follows_a_next_of_this_site(client):
    world = make_world()
    session = SessionFactory(site=world.o1, mediator=world.users.mediator)
    registration = RegistrationFactory(session=session)
    client.force_login(world.users.mediator)
    back = reverse("workshops:person", args=[registration.beneficiary_id])
    response = client.post(reverse("workshops:registration_cancel", args=[registration.pk]), {"next": back})
    assert response["Location"] == back


@pytest.mark.parametrize("url", HOSTILE)
def test_login_refuses_an_external_next(client, url):
    UserFactory(coordinator=True, email="camille@tremplin.test")
    login = reverse("accounts:login")
    for response in (
        client.post(login, {"username": "camille@tremplin.test", "password": PASSWORD, "next": url}),
        client.post(f"{login}?next={url}", {"username": "camille@tremplin.test", "password": PASSWORD}),
    ):
        assert response.status_code == 302
        assert response["Location"] == HOME
        client.logout()


@pytest.mark.parametrize("url", HOSTILE)
def test_logout_refuses_an_external_next(client, url):
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:logout"), {"next": url})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")


@pytest.mark.parametrize("url", HOSTILE)
def test_second_factor_pages_refuse_an_external_next(client, url):
    user = UserFactory(coordinator=True, email="camille@tremplin.test")
    client.force_login(user)
    # Security page: the link to enable the factor never carries the hostile address.
    page = client.get(reverse("accounts:security"), {"next": url}).content.decode()
    assert "evil.example" not in page
    # Enabling the factor: to its recovery codes, shown once (never to the hostile address).
    client.get(reverse("accounts:totp_enable"), {"next": url})
    device = user.totpdevice_set.get()
    response = client.post(f"{reverse('accounts:totp_enable')}?next={url}", {"code": current_code(device), "next": url})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:recovery_codes")
    # The code asked after the password: back home, not elsewhere.
    client.logout()
    device.delete()
    device = make_device(user)
    client.post(reverse("accounts:login"), {"username": "camille@tremplin.test", "password": PASSWORD})
    verify = reverse("accounts:verify")
    assert "evil.example" not in client.get(verify, {"next": url}).content.decode()
    response = client.post(f"{verify}?next={url}", {"code": current_code(device), "next": url})
    assert response.status_code == 302 and response["Location"] == HOME
