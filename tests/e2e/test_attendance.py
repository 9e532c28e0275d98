"""A mediator fills in the attendance sheet of a session on a tablet. Chromium + axe-core."""

import pytest

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.e2e.conftest import describe, log_in, serious_violations
from tests.factories import PASSWORD, SiteFactory, UserFactory
from tests.workshops.factories import RegistrationFactory, SessionFactory
from tremplin.workshops.enums import SessionStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_attendance_sheet_on_a_tablet(browser, live_server):
    site = SiteFactory(name="GUINGAMP")
    mediator = UserFactory(mediator=True, sites=[site], email="lea@tremplin.test")
    session = SessionFactory(site=site, mediator=mediator, past=True, capacity=8)
    present = RegistrationFactory(
        session=session, beneficiary=BeneficiaryFactory(first_name="Anne", last_name="Le Bihan", site=site)
    )
    absent = RegistrationFactory(
        session=session, beneficiary=BeneficiaryFactory(first_name="Bruno", last_name="Morvan", site=site)
    )
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 800, "height": 1100})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, mediator.email, PASSWORD)
    page.goto(f"/ateliers/seances/{session.pk}/")
    violations = serious_violations(page)
    assert not violations, describe(violations)
    page.get_by_role("link", name="Feuille de présence").click()
    page.wait_for_load_state("load")
    violations = serious_violations(page)
    assert not violations, describe(violations)
    target = page.locator(f"label[for=presence-{present.pk}-present]")
    assert target.bounding_box()["height"] >= 40, "cible trop petite pour une tablette"
    target.click()
    page.locator(f"label[for=autonomie-{present.pk}-autonome]").click()
    page.locator(f"label[for=presence-{absent.pk}-absent]").click()
    page.get_by_role("button", name="Enregistrer les présences").click()
    page.wait_for_load_state("load")
    assert "La feuille de présence est enregistrée" in page.locator("body").inner_text()
    present.refresh_from_db()
    absent.refresh_from_db()
    session.refresh_from_db()
    assert (present.attendance, present.autonomy_reached, absent.attendance) == ("present", "autonome", "absent")
    assert session.status == SessionStatus.DONE
    assert page.get_by_role("link", name="Attestation de Anne Le Bihan (PDF)").count() == 1
    assert not errors, errors
    context.close()
