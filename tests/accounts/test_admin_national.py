"""The national programme manager administers reference data and accounts, without superuser rights."""

import pytest

from tests.factories import CommuneFactory, SiteFactory, UserFactory
from tremplin.accounts.enums import Role

pytestmark = pytest.mark.django_db


def test_national_manager_uses_the_admin_for_every_reference_model(client):
    manager = UserFactory(national=True)
    assert manager.is_staff
    commune = CommuneFactory(code_insee="22278", name="Saint-Brieuc")
    SiteFactory(commune=commune)
    client.force_login(manager)
    for url in [
        "/admin/",
        "/admin/territories/commune/",
        "/admin/territories/commune/22278/change/",
        "/admin/territories/departement/",
        "/admin/territories/qpv/",
        "/admin/network/site/",
        "/admin/network/organisation/",
        "/admin/accounts/user/",
        "/admin/opendata/referenceimport/",
    ]:
        assert client.get(url).status_code == 200, url


def test_national_manager_cannot_grant_superuser_rights(client):
    manager = UserFactory(national=True)
    admin_user = UserFactory(administrator=True)
    client.force_login(manager)
    response = client.get(f"/admin/accounts/user/{manager.pk}/change/")
    assert response.status_code == 200
    assert 'name="is_superuser"' not in response.content.decode()
    # Superusers are not even listed to them.
    assert client.get(f"/admin/accounts/user/{admin_user.pk}/change/").status_code == 302


@pytest.mark.parametrize("trait", ["coordinator", "mediator", "counter_agent", "partner"])
def test_field_roles_have_no_admin(client, trait):
    user = UserFactory(**{trait: True})
    assert user.role != Role.NATIONAL_MANAGER and not user.is_staff
    client.force_login(user)
    assert client.get("/admin/territories/commune/").status_code == 302
