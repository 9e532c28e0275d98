from io import StringIO

import pytest
from django.core.management import call_command

from tremplin.accounts.enums import Role
from tremplin.accounts.models import User
from tremplin.demo.management.commands.setup_demo import DEMO_PASSWORD
from tremplin.network.models import Site
from tremplin.planning.enums import ScenarioStatus
from tremplin.planning.models import Scenario
from tremplin.planning.services import scenario_run
from tremplin.territories.models import Commune

pytestmark = pytest.mark.django_db


def test_setup_demo_without_data_generates_a_territory_and_every_role(settings, tmp_path):
    settings.TREMPLIN_DATA_DIR = ""
    settings.VAR_DIR = tmp_path
    settings.TREMPLIN_CACHE_DIR = tmp_path / "cache"
    out = StringIO()
    call_command("setup_demo", stdout=out)
    output = out.getvalue()
    assert "territoire FICTIF" in output
    assert DEMO_PASSWORD in output
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    # The demo's extra mediators (mediateur-N@) exist for the dashboards' spread only: no password, not printed.
    statistics_only = User.objects.filter(email__regex=r"^mediateur-\d+@")
    assert statistics_only.exists() and not any(user.has_usable_password() for user in statistics_only)
    for user in User.objects.exclude(pk__in=statistics_only):
        assert user.email in output
        assert user.check_password(DEMO_PASSWORD)
    mediator = User.objects.get(email="mediateur@demo.tremplin.fr")
    assert mediator.sites.count() == 4
    assert len({site.commune_id for site in mediator.sites.all()}) == 4
    assert User.objects.get(role=Role.COORDINATOR).departements.count() == 2

    scenario = Scenario.objects.get()
    assert scenario.params["weight"] == "fragile" and scenario.params["offices_per_mediator"] == 4
    # The worker computes it; here the computation runs inline and must succeed on the generated territory.
    scenario = scenario_run(scenario=scenario)
    assert scenario.status == ScenarioStatus.DONE, scenario.error

    counts = (User.objects.count(), Commune.objects.count(), Site.objects.count(), Scenario.objects.count())
    out = StringIO()
    call_command("setup_demo", stdout=out)
    assert (User.objects.count(), Commune.objects.count(), Site.objects.count(), Scenario.objects.count()) == counts
    assert "inchangé depuis l'import" in out.getvalue()
