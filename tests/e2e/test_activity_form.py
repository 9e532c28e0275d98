"""A mediator records an accompaniment with the keyboard only (Tab, Space, arrows, typing, Enter: no click), the
administrative themes revealed by ticking their theme; the form, the list, the workshop form, a session's record and
the person's timeline have no serious axe-core violation."""

import datetime

import pytest
from django.utils import timezone

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.e2e.conftest import describe, log_in, serious_violations
from tests.factories import PASSWORD, CommuneFactory, DepartementFactory, RegionFactory, SiteFactory, UserFactory
from tests.workshops.factories import RegistrationFactory, SessionFactory
from tremplin.activities.models import Activity
from tremplin.workshops.enums import Attendance
from tremplin.workshops.services import attendance_record

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAX_TABS = 80


@pytest.fixture
def mediator():
    region = RegionFactory(code="53", name="Bretagne")
    departement = DepartementFactory(code="22", name="Côtes-d'Armor", region=region)
    office = SiteFactory(
        name="LANNION PRINCIPAL", commune=CommuneFactory(code_insee="22113", name="Lannion", departement=departement)
    )
    return UserFactory(mediator=True, email="mediatrice@tremplin.test", sites=[office])


def focused(page, selector: str) -> bool:
    return page.evaluate("(selector) => document.activeElement.matches(selector)", selector)


def tab_to(page, selector: str) -> int:
    """Press Tab until the focus is on `selector` (the way a mediator moves through the form); how many presses."""
    for count in range(1, MAX_TABS + 1):
        page.keyboard.press("Tab")
        if focused(page, selector):
            return count
    raise AssertionError(f"{selector} jamais atteint au clavier")


def test_record_an_accompaniment_with_the_keyboard_only(page, mediator):
    log_in(page, mediator.email, PASSWORD)
    page.goto("/activites/nouveau/")
    assert page.locator("h1").inner_text() == "Enregistrer un accompagnement"
    assert serious_violations(page) == [], describe(serious_violations(page))
    presses = []  # every key pressed (typed text apart): the measure of « under 30 seconds »
    press = page.keyboard.press
    page.keyboard.press = lambda key: (presses.append(key), press(key))[1]

    # The cursor starts on the person: keep « sans fiche »; she says she is a woman (arrow keys in the list).
    assert focused(page, "select[name=beneficiary]")
    page.keyboard.press("Tab")
    assert focused(page, "select[name=anonymous_gender]")
    page.keyboard.press("ArrowUp")  # Non communiqué → Féminin
    # Date: today, already there. Duration: the arrow keys move in the group (15 → 30 min).
    tab_to(page, "input[name=duration]")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    # Channel: « Lieu d'activité » is already chosen, the office too.
    assert tab_to(page, "input[name=place_type]") and focused(page, "input[value=lieu_activite]")
    page.keyboard.press("Tab")
    assert focused(page, "select[name=site]")
    # Themes: tick « E-mail », then « Aide aux démarches administratives », which reveals its sub-themes.
    assert not page.locator("input[name=admin_themes]").first.is_visible()
    tab_to(page, "input[name=themes][value=email]")
    page.keyboard.press("Space")
    tab_to(page, "input[name=themes][value=aide_aux_demarches_administratives]")
    page.keyboard.press("Space")
    assert page.locator("input[name=admin_themes]").first.is_visible()
    tab_to(page, "input[name=admin_themes][value=logement]")
    page.keyboard.press("Space")
    tab_to(page, "input[name=procedure]")
    page.keyboard.type("Demande d'aide au logement")
    # Equipment: the phone. Autonomy: the arrows choose « Autonome » in its group.
    tab_to(page, "input[name=equipment][value=telephone]")
    page.keyboard.press("Space")
    tab_to(page, "input[name=autonomy]")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    # Referred: yes, to a social aid structure (revealed once « Oui » is chosen).
    tab_to(page, "input[name=referred]")
    page.keyboard.press("ArrowRight")
    tab_to(page, "select[name=structure_kind]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    tab_to(page, "textarea[name=notes]")
    page.keyboard.type("Revient mardi")
    # Enter in the last text field would add a line: Enter on the precision field submits the whole form.
    page.keyboard.press("Shift+Tab")
    for _ in range(MAX_TABS):
        if focused(page, "input[name=procedure]"):
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/activites/")
    print(f"touches pressées : {len(presses)}")
    # A rich record (two themes, a démarche, equipment, autonomy, a referral, a note) in well under 30 seconds at
    # a few keys per second; the common case (prefilled date, site, duration) needs far fewer.
    assert len(presses) <= 90
    assert "L'accompagnement est enregistré." in page.locator("main, body").first.inner_text()
    assert serious_violations(page) == [], describe(serious_violations(page))  # « Mes activités »

    activity = Activity.objects.get()
    assert (activity.date, activity.duration_minutes, activity.place_type, activity.site.name) == (
        timezone.localdate(),
        30,
        "lieu_activite",
        "LANNION PRINCIPAL",
    )
    assert activity.themes == ["email", "aide_aux_demarches_administratives"]
    assert (activity.admin_themes, activity.procedure) == (["logement"], "Demande d'aide au logement")
    assert (activity.equipment, activity.autonomy) == (["telephone"], "autonome")
    assert (activity.referred, activity.structure_kind, activity.notes) == (True, "aide_sociale", "Revient mardi")
    assert (activity.anonymous_count, activity.anonymous_breakdown) == (1, {"genre": {"feminin": 1}})
    assert page.js_errors == []


def test_the_form_shows_every_fault_at_once_and_stays_accessible(page, mediator):
    log_in(page, mediator.email, PASSWORD)
    page.goto("/activites/nouveau/")
    tab_to(page, "button[type=submit]:not([name])")  # « Enregistrer », with nothing filled in
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    assert "L'enregistrement n'a pas été fait" in page.locator("[role=alert]").first.inner_text()
    errors = page.locator(".fr-error-text").all_inner_texts()
    assert any("durée" in text for text in errors) and any("thématique" in text for text in errors)
    assert serious_violations(page) == [], describe(serious_violations(page))
    assert not Activity.objects.exists()
    page.goto("/activites/atelier/nouveau/")
    assert page.locator("h1").inner_text() == "Enregistrer un atelier collectif"
    assert serious_violations(page) == [], describe(serious_violations(page))


def test_the_session_record_and_the_timeline_stay_accessible(page, mediator):
    office = mediator.sites.get()
    person = BeneficiaryFactory(organisation=mediator.organisation, site=office, first_name="Odette")
    start = timezone.now() - datetime.timedelta(hours=3)
    session = SessionFactory(
        site=office, mediator=mediator, starts_at=start, ends_at=start + datetime.timedelta(minutes=90)
    )
    registration = RegistrationFactory(session=session, beneficiary=person)
    attendance_record(session=session, marks={registration.pk: (Attendance.PRESENT, "")}, by=mediator)
    log_in(page, mediator.email, PASSWORD)
    for url in (f"/activites/seance/{session.pk}/", f"/personnes/{person.pk}/", f"/activites/{session.activity.pk}/"):
        page.goto(url)
        assert "Odette" in page.locator("main, body").first.inner_text(), url
        assert serious_violations(page) == [], f"{url}\n{describe(serious_violations(page))}"
