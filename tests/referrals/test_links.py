"""The place's signed link: works without an account, shows only what is needed to contact the person (through
the read path, journaled), and anything else — tampered, expired, closed, cancelled — is a French page."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from tests.referrals.test_services import START, refer
from tremplin.beneficiaries.models import AccessLog
from tremplin.referrals import links, services
from tremplin.referrals.enums import Status

pytestmark = pytest.mark.django_db
INVALID = "Ce lien n&#x27;est plus valable"  # the page's title, escaped


def link(referral):
    return reverse("referrals:link", args=[links.make_token(referral)])


def test_the_link_shows_the_contact_without_login_and_journals_it(client, world):
    referral = refer(world)
    response = client.get(link(referral))
    assert response.status_code == 200
    text = response.content.decode()
    for shown in ("Odette", "Vasseur", "0612345678", "odette@exemple.fr", "Demande de logement social", "Malvoyante"):
        assert shown in text
    assert "Secrète" not in text  # no postal address: not needed to contact them
    log = AccessLog.objects.get(beneficiary=world.person)
    assert (log.user, log.purpose) == (world.mediator, "orientation_lien")
    assert f"orientation n° {referral.pk}" in log.about and "Odette" not in log.about


def test_accept_then_seen_through_the_link(client, world):
    referral = refer(world)
    response = client.post(link(referral), {"action": "accepter"}, follow=True)
    assert "Orientation acceptée" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    response = client.post(link(referral), {"action": "vue"})
    assert response.status_code == 200 and "Réponse enregistrée" in response.content.decode()
    assert "Odette" not in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.SEEN and referral.events.last().via_link
    assert INVALID in client.get(link(referral)).content.decode()


def test_decline_through_the_link_needs_a_reason(client, world):
    referral = refer(world)
    response = client.post(link(referral), {"action": "refuser", "refus-reason": ""})
    assert response.status_code == 200
    referral.refresh_from_db()
    assert referral.status == Status.SENT
    client.post(link(referral), {"action": "refuser", "refus-reason": "complet", "refus-text": ""})
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == (Status.DECLINED, "complet")


def test_tampered_cancelled_and_expired_links_say_so_in_french(client, world):
    referral = refer(world)
    url = link(referral)
    tampered = url[:-3] + ("a" if url[-3] != "a" else "b") + url[-2:]
    for bad in (tampered, reverse("referrals:link", args=["pas-un-jeton"])):
        response = client.get(bad)
        assert response.status_code == 410 and INVALID in response.content.decode()
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=22)):
        response = client.get(url)
        assert response.status_code == 410 and INVALID in response.content.decode()
    services.referral_cancel(referral=referral, by=world.mediator)
    logged = AccessLog.objects.count()
    response = client.post(url, {"action": "accepter"})
    assert response.status_code == 410 and "Odette" not in response.content.decode()
    assert AccessLog.objects.count() == logged
    referral.refresh_from_db()
    assert referral.status == Status.CANCELLED


def test_link_lifetime_is_remind_plus_expire(world):
    with time_machine.travel(START, tick=False):
        referral = refer(world)
        token = links.make_token(referral)
    with time_machine.travel(START + datetime.timedelta(days=20, hours=23), tick=False):
        assert links.referral_for_token(token) == referral
    with time_machine.travel(START + datetime.timedelta(days=21, seconds=1), tick=False):
        assert links.referral_for_token(token) is None


def test_the_link_is_rate_limited_per_client_address(client, world):
    cache.clear()
    url = reverse("referrals:link", args=["faux"])
    codes = [client.get(url).status_code for _ in range(61)]
    assert codes[:60] == [410] * 60 and codes[60] == 429
    assert "Trop de demandes" in client.get(url).content.decode()
    cache.clear()
