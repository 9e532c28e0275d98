"""The user admin works with e-mail login: list, search, create, edit."""

import pytest
from django.urls import reverse

from tests.factories import CommuneFactory, OrganisationFactory, SiteFactory, UserFactory
from tremplin.accounts.enums import Role
from tremplin.accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "une-phrase-de-passe-assez-longue"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(administrator=True, email="admin@tremplin.test"))
    return client


def add(admin_client, **data):
    payload = {
        "email": "",
        "first_name": "",
        "last_name": "",
        "role": Role.COORDINATOR,
        "organisation": "",
        "usable_password": "true",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "_save": "Enregistrer",
        **data,
    }
    return admin_client.post(reverse("admin:accounts_user_add"), payload)


def test_changelist_shows_email_name_role_and_organisation(admin_client):
    UserFactory(mediator=True, email="mediatrice@tremplin.test", first_name="Inès", last_name="Roux")
    response = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": "roux"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "mediatrice@tremplin.test" in html
    assert "Inès Roux" in html
    assert "Médiateur numérique" in html
    assert "La Poste" in html
    assert "admin@tremplin.test" not in html  # filtered out by the search


def test_change_page_renders(admin_client):
    user = UserFactory(counter_agent=True, sites=[SiteFactory(commune=CommuneFactory(code_insee="01001"))])
    response = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))
    assert response.status_code == 200
    assert 'name="departements"' in response.content.decode()


def test_admin_creates_a_user_with_a_lower_case_email(admin_client):
    organisation = OrganisationFactory(name="Association Connexions")
    response = add(
        admin_client,
        email="Nouvelle.Mediatrice@Tremplin.test",
        role=Role.MEDIATOR,
        organisation=organisation.pk,
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="nouvelle.mediatrice@tremplin.test")
    assert user.role == Role.MEDIATOR
    assert user.organisation == organisation
    assert user.check_password(PASSWORD)


def test_admin_refuses_an_address_already_used_whatever_its_case(admin_client):
    UserFactory(email="camille@tremplin.test")
    response = add(admin_client, email="CAMILLE@tremplin.test")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == ["Un compte utilise déjà cette adresse e-mail."]
    assert User.objects.filter(email__iexact="camille@tremplin.test").count() == 1


def test_admin_refuses_a_mediator_without_organisation(admin_client):
    response = add(admin_client, email="seul@tremplin.test", role=Role.MEDIATOR)
    assert response.status_code == 200
    assert "organisation" in response.context["adminform"].form.errors
    assert not User.objects.filter(email="seul@tremplin.test").exists()


def test_non_staff_user_cannot_open_the_admin(client):
    client.force_login(UserFactory(coordinator=True))
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302
