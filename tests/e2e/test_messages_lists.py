"""The call list in Chromium at 1280 px (issue 10): one row per person and day with every session in it, people
without a number apart, no table wider than its box, no serious axe-core violation, one click per person."""

import pytest

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.beneficiaries.worlds import make_world
from tests.e2e.conftest import describe, log_in, serious_violations
from tests.factories import PASSWORD
from tests.notifications.factories import ProgrammeFactory, RegistrationFactory, SessionFactory
from tremplin.notifications import services
from tremplin.notifications.enums import NotificationKind, NotificationStatus
from tremplin.notifications.models import Notification

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LONG_TITLE = "Faire ses démarches administratives en ligne en toute sécurité avec FranceConnect et ameli.fr"


def _book(world, person, n):
    for _ in range(n):
        session = SessionFactory(site=world.o1, programme=ProgrammeFactory(title=LONG_TITLE))
        services.registration_notify(
            registration=RegistrationFactory(session=session, beneficiary=person), kind=NotificationKind.CONFIRMATION
        )


def _tables_fit(page) -> list[dict]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('main .fr-table')).map((box) => {
            const container = box.querySelector('.fr-table__container');
            return {id: box.id, scroll: container.scrollWidth, client: container.clientWidth,
                    right: box.querySelector('table').getBoundingClientRect().right,
                    page: document.documentElement.clientWidth};
        })"""
    )


def test_call_list_groups_people_fits_the_page_and_passes_axe(page):
    world = make_world()
    marcel = BeneficiaryFactory(
        organisation=world.la_poste,
        site=world.o1,
        first_name="Marcel",
        preferred_channel="appel",
        landline_phone="0296000001",
        mobile_phone="0612345670",
    )
    _book(world, marcel, 7)
    nobody = BeneficiaryFactory(organisation=world.la_poste, site=world.o1, first_name="Sansnum")
    _book(world, nobody, 2)
    log_in(page, world.users.mediator.email, PASSWORD)

    page.goto("/messages/a-appeler/")
    calls = page.locator("#a-appeler tbody tr")
    assert calls.count() == 1
    assert calls.first.locator(".tremplin-call-messages li").count() == 7
    assert page.locator("#sans-numero-liste tbody tr").count() == 1
    assert page.locator("#sans-numero-liste").get_by_role("button", name="Appel fait").count() == 0
    sizes = _tables_fit(page)
    assert len(sizes) == 2
    for size in sizes:
        assert size["scroll"] <= size["client"], size
        assert size["right"] <= size["page"], size
    violations = serious_violations(page)
    assert violations == [], describe(violations)

    page.locator("#a-appeler").get_by_role("button", name="Appel fait").click()
    page.wait_for_load_state("load")
    assert "noté comme fait (7 messages)" in page.locator("body").inner_text()
    assert page.locator("#a-appeler").count() == 0
    assert Notification.objects.filter(beneficiary=marcel, status=NotificationStatus.CALLED).count() == 7
    assert page.js_errors == []
