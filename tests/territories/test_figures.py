"""Figures about a territory are the territory's own, whoever looks; the viewer's share is counted apart."""

import pytest

from tests.factories import CommuneFactory, DepartementFactory, RegionFactory, SiteFactory, UserFactory
from tremplin.network.enums import SiteKind
from tremplin.territories import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def cotes_darmor():
    departement = DepartementFactory(code="22", name="Côtes-d'Armor", region=RegionFactory(code="53", name="Bretagne"))
    communes = [CommuneFactory(code_insee=f"22{n:03d}", departement=departement, population=1000) for n in range(1, 7)]
    offices = [SiteFactory(commune=commune) for commune in communes]
    SiteFactory(commune=communes[0], france_services=True)
    SiteFactory(commune=communes[1], kind=SiteKind.POSTAL_RELAY)
    return departement, offices


def test_every_viewer_gets_the_same_post_office_count(cotes_darmor):
    departement, offices = cotes_darmor
    viewers = [
        UserFactory(counter_agent=True, sites=offices[:1]),
        UserFactory(mediator=True, sites=offices[:4]),
        UserFactory(coordinator=True, departements=[departement]),
        UserFactory(national=True),
    ]
    counts = []
    for user in viewers:
        figures = selectors.departements_figures(user)["22"]
        counts.append((figures.post_office_count, figures.france_services_count, figures.own_post_office_count))
    assert counts == [(6, 1, 1), (6, 1, 4), (6, 1, None), (6, 1, None)]


def test_home_overview_counts_the_territorys_sites_and_lists_the_viewers_own(cotes_darmor):
    _, offices = cotes_darmor
    mediator = UserFactory(mediator=True, sites=offices[:4])
    overview = selectors.home_overview(mediator)
    kinds = {item.kind: item.count for item in overview.site_kinds}
    assert (kinds[SiteKind.POST_OFFICE], kinds[SiteKind.FRANCE_SERVICES], kinds[SiteKind.POSTAL_RELAY]) == (6, 1, 1)
    assert overview.totals.post_office_count == 6 and overview.totals.own_post_office_count == 4
    assert len(overview.my_sites) == 4
