"""Role scoping (tremplin.accounts.perms): who sees which départements, communes, QPV and sites.

Two départements, A (01) and B (02), each with communes, sites and a QPV:
- A: communes a1, a2; La Poste sites s1 (in a1) and s2 (in a2); QPV qa;
- B: commune b1; site s3 (in b1) run by a partner association; QPV qb.
"""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.factories import (
    CommuneFactory,
    DepartementFactory,
    OrganisationFactory,
    QpvFactory,
    RegionFactory,
    SiteFactory,
    UserFactory,
)
from tremplin.accounts import perms

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    region = RegionFactory(code="84", name="Auvergne-Rhône-Alpes")
    dep_a = DepartementFactory(code="01", name="Ain", region=region)
    dep_b = DepartementFactory(code="02", name="Aisne", region=region)
    a1 = CommuneFactory(code_insee="01001", name="L'Abergement-Clémenciat", departement=dep_a)
    a2 = CommuneFactory(code_insee="01053", name="Bourg-en-Bresse", departement=dep_a)
    b1 = CommuneFactory(code_insee="02691", name="Saint-Quentin", departement=dep_b)
    la_poste = OrganisationFactory(la_poste=True)
    partner = OrganisationFactory(name="Association Connexions")
    return SimpleNamespace(
        dep_a=dep_a,
        dep_b=dep_b,
        a1=a1,
        a2=a2,
        b1=b1,
        s1=SiteFactory(commune=a1, organisation=la_poste),
        s2=SiteFactory(commune=a2, organisation=la_poste),
        s3=SiteFactory(commune=b1, organisation=partner, partner_place=True),
        qa=QpvFactory(communes=[a2]),
        qb=QpvFactory(communes=[b1]),
        la_poste=la_poste,
        partner=partner,
    )


def seen(user):
    """What the user sees, as sets of objects: (départements, communes, QPV, sites)."""
    return (
        set(perms.visible_departements(user)),
        set(perms.visible_communes(user)),
        set(perms.visible_qpvs(user)),
        set(perms.visible_sites(user)),
    )


def everything(w):
    return ({w.dep_a, w.dep_b}, {w.a1, w.a2, w.b1}, {w.qa, w.qb}, {w.s1, w.s2, w.s3})


NOTHING = (set(), set(), set(), set())


def test_national_manager_sees_everything(world):
    user = UserFactory(national=True)
    assert seen(user) == everything(world)
    assert perms.can_view_site(user, world.s3)
    assert perms.can_view_departement(user, world.dep_b)
    assert perms.can_manage_reference_data(user)


def test_administrator_sees_everything(world):
    user = UserFactory(administrator=True)
    assert seen(user) == everything(world)
    assert perms.can_manage_reference_data(user)


def test_coordinator_sees_only_their_departement(world):
    user = UserFactory(coordinator=True, departements=[world.dep_a])
    assert seen(user) == ({world.dep_a}, {world.a1, world.a2}, {world.qa}, {world.s1, world.s2})
    assert perms.can_view_site(user, world.s2)
    assert not perms.can_view_site(user, world.s3)
    assert perms.can_view_departement(user, world.dep_a)
    assert not perms.can_view_departement(user, world.dep_b)
    assert not perms.can_manage_reference_data(user)


def test_mediator_sees_their_site_and_its_departement(world):
    user = UserFactory(mediator=True, organisation=world.la_poste, sites=[world.s1])
    departements, communes, qpvs, sites = seen(user)
    assert sites == {world.s1}
    assert departements == {world.dep_a}
    assert communes == {world.a1, world.a2}
    assert qpvs == {world.qa}
    assert not perms.can_view_site(user, world.s2)
    assert not perms.can_view_departement(user, world.dep_b)


def test_counter_agent_sees_only_their_site(world):
    user = UserFactory(counter_agent=True, organisation=world.la_poste, sites=[world.s2])
    assert seen(user) == ({world.dep_a}, {world.a1, world.a2}, {world.qa}, {world.s2})
    assert not perms.can_view_site(user, world.s1)


def test_partner_staff_sees_their_organisation_sites(world):
    user = UserFactory(partner=True, organisation=world.partner)
    assert seen(user) == ({world.dep_b}, {world.b1}, {world.qb}, {world.s3})
    assert not perms.can_view_site(user, world.s1)


def test_partner_staff_also_sees_a_site_they_are_attached_to(world):
    user = UserFactory(partner=True, organisation=world.partner, sites=[world.s1])
    departements, _, _, sites = seen(user)
    assert sites == {world.s1, world.s3}
    assert departements == {world.dep_a, world.dep_b}
    assert perms.visible_sites(user).count() == 2  # no duplicate rows


def test_role_without_attachment_sees_nothing(world):
    assert seen(UserFactory(mediator=True, organisation=world.la_poste)) == NOTHING
    assert seen(UserFactory(coordinator=True)) == NOTHING


@pytest.mark.parametrize("traits", [{"national": True}, {"administrator": True}, {"coordinator": True}])
def test_inactive_user_sees_nothing(world, traits):
    user = UserFactory(is_active=False, departements=[world.dep_a], **traits)
    assert seen(user) == NOTHING
    assert not perms.can_view_site(user, world.s1)
    assert not perms.can_manage_reference_data(user)


def test_anonymous_user_sees_nothing(world):
    user = AnonymousUser()
    assert seen(user) == NOTHING
    assert not perms.can_view_departement(user, world.dep_a)
    assert not perms.can_manage_reference_data(user)
