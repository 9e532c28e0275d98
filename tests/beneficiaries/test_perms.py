"""Who sees which person: organisation first, then site / département / author."""

import pytest

from tests.beneficiaries.factories import BeneficiaryFactory
from tremplin.beneficiaries import perms, services

pytestmark = pytest.mark.django_db

EXPECTED = {
    # National roles too stay inside their organisation: La Poste's manager never reads the association's people.
    "national": {"at_o1", "at_o2", "at_o3", "no_site_29"},
    "admin": set(),
    "coordinator_22": {"at_o1", "at_o2"},
    "coordinator_29": {"at_o3", "no_site_29"},
    "coordinator_no_org": set(),
    "mediator": {"at_o1", "at_o2"},
    "counter": {"at_o1"},
    "partner": {"at_p1"},
    # Attached to a La Poste office, but employed by the association: never sees La Poste's people.
    "partner_mediator_elsewhere": set(),
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_visible_people_per_role(world, role):
    user = getattr(world.users, role)
    names = {name for name, person in vars(world.people).items() if perms.can_view_beneficiary(user, person)}
    assert names == EXPECTED[role]
    visible = set(perms.visible_beneficiaries(user).values_list("pk", flat=True))
    assert visible == {getattr(world.people, name).pk for name in EXPECTED[role]}


def test_author_sees_the_person_they_recorded_without_a_site(world):
    person = BeneficiaryFactory(organisation=world.la_poste, site=None, created_by=world.users.counter)
    assert perms.can_view_beneficiary(world.users.counter, person)
    assert not perms.can_view_beneficiary(world.users.mediator, person)


def test_inactive_people_and_users_see_nothing(world):
    services.beneficiary_anonymise(beneficiary=world.people.at_o1, by=None)
    assert not perms.can_view_beneficiary(world.users.national, world.people.at_o1)
    world.users.mediator.is_active = False
    assert not perms.visible_beneficiaries(world.users.mediator).exists()


def test_who_records_and_who_assesses(world):
    users = world.users
    assert [perms.can_record_beneficiary(u) for u in (users.mediator, users.counter, users.partner)] == [True] * 3
    assert not perms.can_record_beneficiary(users.national)
    assert perms.can_assess(users.mediator) and perms.can_assess(users.partner)
    assert not perms.can_assess(users.counter)
    assert list(perms.recording_sites(users.counter)) == [world.o1]
