"""The public verification page of a mandate (what the QR code of an attestation opens): valid or why not, which
categories, until when, which organisation, and nothing about the person; journaled; rate-limited."""

import datetime
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_ratelimit.core import _get_window

from tests.mandates.test_documents import make_mandate
from tremplin.mandates.enums import Category, JournalAction, Status
from tremplin.mandates.models import JournalEntry
from tremplin.www.mandates import public

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime.datetime(2026, 12, 1, 11, 0, tzinfo=PARIS)  # within the default mandate (1 June 2026 – 31 May 2027)
VERIFY = reverse("mandates_public:verify")


def page(client, code):
    return client.get(reverse("mandates_public:verify_code", args=[code]))


def html_of(response) -> str:
    return response.content.decode()


def fresh_address(prefix="198.51.100.", seconds=3600) -> str:
    """A client address whose rate-limit window (one hour, shifted per key) does not end during the test."""
    now = time.time()
    for last in range(1, 255):
        address = f"{prefix}{last}"
        if _get_window(address, seconds) - now > 300:
            return address
    raise AssertionError("aucune adresse disponible")


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def client():
    return Client(REMOTE_ADDR=fresh_address())


# --- what it says --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_valid_mandate_says_valid_categories_end_and_organisation(client):
    mandate = make_mandate(categories=[Category.HOUSING, Category.MONEY, Category.JUSTICE])
    mandate.authorisations.filter(category=Category.JUSTICE).update(revoked_at=NOW - datetime.timedelta(days=3))
    response = page(client, mandate.verification_code)
    assert response.status_code == 200
    html = html_of(response)
    assert "Mandat valable" in html
    assert "Logement" in html and "Argent - Impôts" in html
    assert "Justice" not in html  # revoked on its own: no longer covered
    assert "jusqu&#x27;au 31 mai 2027 inclus" in html
    assert mandate.organisation.name in html


@pytest.mark.django_db
def test_revoked_mandate_says_when(client):
    mandate = make_mandate(status=Status.REVOKED, ended_at=datetime.datetime(2026, 9, 14, 15, 5, tzinfo=PARIS))
    html = html_of(page(client, mandate.verification_code))
    assert "Mandat plus valable : révoqué le 14 septembre 2026" in html
    assert "Mandat valable" not in html
    assert "Logement" not in html  # no category is offered by a mandate that ended


@pytest.mark.django_db
def test_expired_mandate_whether_or_not_the_expiry_task_ran(client):
    marked = make_mandate(
        status=Status.EXPIRED,
        starts_at=datetime.datetime(2025, 6, 1, 10, 0, tzinfo=PARIS),
        ends_at=datetime.datetime(2026, 6, 1, tzinfo=PARIS),
    )
    unmarked = make_mandate(  # still "signed": the task has not run yet, its end has passed
        starts_at=datetime.datetime(2026, 11, 30, 10, 0, tzinfo=PARIS),
        ends_at=datetime.datetime(2026, 12, 1, tzinfo=PARIS),
    )
    html = html_of(page(client, marked.verification_code))
    assert "Mandat plus valable : expiré" in html and "jusqu&#x27;au 31 mai 2026 inclus" in html
    html = html_of(page(client, unmarked.verification_code))
    assert "Mandat plus valable : expiré" in html and "jusqu&#x27;au 30 novembre 2026 inclus" in html
    assert "Mandat valable" not in html


@pytest.mark.django_db
def test_renewed_transferred_unsigned_and_cancelled(client):
    renewed = make_mandate(status=Status.RENEWED, ended_at=datetime.datetime(2026, 11, 2, 9, 0, tzinfo=PARIS))
    transferred = make_mandate(status=Status.TRANSFERRED, ended_at=datetime.datetime(2026, 10, 5, 9, 0, tzinfo=PARIS))
    unsigned = make_mandate(status=Status.AWAITING_SIGNATURE)
    cancelled = make_mandate(status=Status.CANCELLED)
    assert "Mandat plus valable : renouvelé le 2 novembre 2026" in html_of(page(client, renewed.verification_code))
    assert "Mandat plus valable : transféré le 5 octobre 2026" in html_of(page(client, transferred.verification_code))
    assert "Mandat pas encore signé" in html_of(page(client, unsigned.verification_code))
    assert "jamais signé" in html_of(page(client, cancelled.verification_code))
    for mandate in (renewed, transferred, unsigned, cancelled):
        assert "Mandat valable" not in html_of(page(client, mandate.verification_code))


@pytest.mark.django_db
def test_signed_mandate_whose_categories_were_all_revoked_is_no_longer_valid(client):
    mandate = make_mandate(categories=[Category.HOUSING])
    mandate.authorisations.update(revoked_at=NOW - datetime.timedelta(days=1))
    html = html_of(page(client, mandate.verification_code))
    assert "Mandat plus valable" in html and "Mandat valable" not in html


@pytest.mark.django_db
def test_unknown_code(client):
    make_mandate(code="AB12-CD34-EF56")
    response = page(client, "ZZ99-ZZ99-ZZ99")
    assert response.status_code == 200
    html = html_of(response)
    assert "Aucun mandat ne correspond à ce code" in html
    assert "Organisation qui a reçu le mandat" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["AB12-CD34-EF56", "ab12cd34ef56", " ab12 cd34 ef56 ", "Ab12-Cd34 Ef-56"])
def test_codes_ignore_case_spaces_and_dashes(client, typed):
    make_mandate(code="AB12-CD34-EF56")
    assert "Mandat valable" in html_of(page(client, typed))


@pytest.mark.django_db
def test_form_leads_to_the_page_of_the_code(client):
    make_mandate(code="AB12-CD34-EF56")
    response = client.get(VERIFY)
    assert response.status_code == 200
    assert 'name="code"' in html_of(response) and "Vérifier un mandat" in html_of(response)
    response = client.get(VERIFY, {"code": "ab12 cd34 ef56"})
    assert response.status_code == 302
    assert response["Location"] == reverse("mandates_public:verify_code", args=["AB12-CD34-EF56"])
    assert "Mandat valable" in html_of(client.get(response["Location"]))
    response = client.get(VERIFY, {"code": " - "})
    assert response.status_code == 200
    assert "Tapez le code écrit sur le mandat" in html_of(response)


@pytest.mark.django_db
def test_no_account_is_needed_and_nothing_of_the_person_is_shown(client):
    mandate = make_mandate()
    person = mandate.beneficiary
    response = page(client, mandate.verification_code)
    assert response.status_code == 200
    html = html_of(response)
    assert "Mandat valable" in html
    assert person.last_name not in html and person.first_name not in html
    assert str(person.birth_year) not in html
    assert f"{person.first_name[0]}. {person.last_name[0]}" not in html
    assert mandate.created_by.last_name not in html  # nor the mediator


@pytest.mark.django_db
def test_not_indexed_no_referrer_not_cached(client):
    mandate = make_mandate()
    for response in (client.get(VERIFY), page(client, mandate.verification_code)):
        assert response["X-Robots-Tag"].startswith("noindex")
        assert response["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


# --- journal -------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_lookup_is_journaled_without_the_address(client):
    mandate = make_mandate()
    before = JournalEntry.objects.count()
    page(client, mandate.verification_code)
    page(client, mandate.verification_code.lower())
    page(client, "INCONNU")
    entries = list(JournalEntry.objects.order_by("position")[before:])
    assert [e.action for e in entries] == [JournalAction.VERIFICATION_LOOKUP] * 3
    assert [(e.mandate_id, e.details) for e in entries] == [
        (mandate.pk, {"found": True}),
        (mandate.pk, {"found": True}),
        (None, {"found": False}),
    ]
    assert entries[0].organisation_id == mandate.organisation_id
    assert all(e.actor_id is None for e in entries)
    address = client.defaults["REMOTE_ADDR"]
    assert not any(address in str(e.details) for e in entries)
    # The form page alone looks nothing up.
    client.get(VERIFY)
    assert JournalEntry.objects.count() == before + 3


# --- rate limit ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_lookups_are_rate_limited_per_client_address_in_french():
    mandate = make_mandate()
    client = Client(REMOTE_ADDR=fresh_address("203.0.113."))
    limit = int(public.VERIFY_RATE.split("/")[0])
    codes = [page(client, mandate.verification_code).status_code for _ in range(limit)]
    assert codes == [200] * limit
    before = JournalEntry.objects.count()
    response = page(client, mandate.verification_code)
    assert response.status_code == 429
    html = html_of(response)
    assert "Trop de vérifications depuis cette connexion" in html
    assert "Mandat valable" not in html
    assert response["X-Robots-Tag"].startswith("noindex")
    assert JournalEntry.objects.count() == before  # a refused lookup looks nothing up
    # Someone else is not limited.
    other = Client(REMOTE_ADDR=fresh_address("192.0.2."))
    assert page(other, mandate.verification_code).status_code == 200
