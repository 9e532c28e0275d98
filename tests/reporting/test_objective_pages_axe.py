"""The objectives and teams pages in a real browser: no serious or critical axe-core violation, no script error."""

import pytest
from django.urls import reverse

from tests.e2e.conftest import browser, describe, log_in, page, serious_violations  # noqa: F401 (fixtures)
from tests.factories import PASSWORD
from tests.reporting.test_objective_views import world  # noqa: F401 (fixture)
from tremplin.reporting import services

pytestmark = pytest.mark.django_db(transaction=True)


def test_objectives_and_team_pages_pass_axe(page, world):  # noqa: F811
    team = services.team_create(by=world.coordinator, name="Équipe Trégor", organisation=world.poste)
    services.team_member_add(team=team, mediator=world.m1, joined_on=world.programme.starts_on, by=world.coordinator)
    visits = (
        (
            world.national,
            [
                reverse("reporting:objectives"),
                reverse("reporting:objective", args=[world.programme.pk]),
                reverse("reporting:objective_create"),
                reverse("reporting:objective_delete", args=[world.lea.pk]),
            ],
        ),
        (world.coordinator, [reverse("reporting:teams"), reverse("reporting:team_members", args=[team.pk])]),
    )
    for user, urls in visits:
        page.context.clear_cookies()
        log_in(page, user.email, PASSWORD)
        for url in urls:
            page.goto(url)
            assert page.locator("h1").count() == 1, url
            found = serious_violations(page)
            assert not found, f"{url}\n{describe(found)}"
    assert not page.js_errors
