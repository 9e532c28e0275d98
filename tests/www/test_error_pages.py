"""Every error page a user can meet is in French, in the DSFR layout, and says what to do next."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_page_not_found_is_french(client):
    response = client.get("/page-qui-n-existe-pas/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page introuvable" in page and "Page d'accueil" in page and "Not Found" not in page


def test_access_refused_is_french_and_says_why(client):
    client.force_login(UserFactory(counter_agent=True))
    response = client.get(reverse("notifications:index"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Accès refusé" in page and "Votre rôle ne donne pas accès aux messages." in page
    assert "Forbidden" not in page


def test_expired_form_is_french():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "a@b.fr", "password": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Formulaire expiré" in page and "Rien n'a été enregistré" in page and "CSRF" not in page


def test_server_error_page_is_french(client, settings):
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert "Erreur du serveur" in page and 'lang="fr"' in page
