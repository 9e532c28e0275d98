"""La Poste's national manager opens a session where a partner association's person is booked, then the calls
to make: the person is listed but masked, the pages pass axe-core, the document buttons keep their labels."""

import html

import pytest

from tests.beneficiaries.worlds import make_world
from tests.e2e.conftest import describe, log_in, serious_violations
from tests.factories import PASSWORD
from tests.workshops.factories import RegistrationFactory, SessionFactory
from tremplin.beneficiaries.disclosure import MASKED_LABEL
from tremplin.notifications.enums import ContactChannel, NotificationKind, NotificationStatus
from tremplin.notifications.models import Notification

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_national_manager_sees_another_structures_person_masked(page):
    world = make_world()
    theirs = world.people.at_p1
    theirs.mobile_phone = "0611111111"
    theirs.save()
    session = SessionFactory(site=world.o1, mediator=world.users.mediator)
    RegistrationFactory(session=session, beneficiary=world.people.at_o1)
    registration = RegistrationFactory(session=session, beneficiary=theirs)
    Notification.objects.create(
        registration=registration,
        beneficiary=theirs,
        kind=NotificationKind.CONFIRMATION,
        channel=ContactChannel.PHONE_CALL,
        status=NotificationStatus.TO_CALL,
        recipient="0611111111",
    )
    log_in(page, world.users.national.email, PASSWORD)

    page.goto(f"/ateliers/seances/{session.pk}/")
    main = page.locator("main").inner_text()
    assert MASKED_LABEL in main and theirs.last_name not in main and "0611111111" not in main
    assert world.people.at_o1.last_name in main
    assert "2 inscrits sur 10" in main
    for label in ("Feuille d'émargement (PDF)", "Participants (CSV)"):
        button = page.get_by_role("link", name=label)
        assert button.bounding_box()["width"] > 120, f"« {label} » réduit à son icône"
    assert serious_violations(page) == [], describe(serious_violations(page))

    page.goto("/messages/a-appeler/")
    main = page.locator("main").inner_text()
    assert MASKED_LABEL in main and "0611111111" not in main and "Numéro visible par sa structure seulement" in main
    assert page.get_by_role("button", name="Appel fait").count() == 0
    assert serious_violations(page) == [], describe(serious_violations(page))
    assert page.js_errors == []
    assert html.escape(theirs.last_name) not in page.content()
