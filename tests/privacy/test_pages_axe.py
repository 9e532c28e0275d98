"""The person's page with its « Ses droits sur ses données » part, and the erasure page, in a real browser: no serious
or critical axe-core violation, no script error."""

import pytest
from django.urls import reverse

from tests.beneficiaries.worlds import make_world
from tests.e2e.conftest import browser, describe, log_in, page, serious_violations  # noqa: F401 (fixtures)
from tests.factories import PASSWORD
from tests.mandates.factories import MandateFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_person_rights_and_erasure_pages_pass_axe(page):  # noqa: F811
    world = make_world()
    person = world.people.at_o1
    MandateFactory(beneficiary=person)  # the erasure page then warns about the valid mandate
    log_in(page, world.users.mediator.email, PASSWORD)
    for url in (reverse("beneficiaries:detail", args=[person.pk]), reverse("beneficiaries:delete", args=[person.pk])):
        page.goto(url)
        assert page.locator("h1").count() == 1, url
        found = serious_violations(page)
        assert not found, f"{url}\n{describe(found)}"
    assert page.get_by_text("mandat valable").count() == 1
    assert not page.js_errors
