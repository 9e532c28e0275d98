"""The places pages: public search (list and map), a place's page, partners keeping their place up to date."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CommuneFactory, DepartementFactory, OrganisationFactory, SiteFactory, UserFactory
from tremplin.places.models import Place

pytestmark = pytest.mark.django_db
SEARCH = reverse("places:search")
_counter = iter(range(10**9))


def _text(response) -> str:
    return html.unescape(response.content.decode())


def make_place(lat, lon, **fields):
    n = next(_counter)
    values = {
        "external_id": f"lieu-{n}",
        "pivot": "12345678901234",
        "name": f"Lieu {n}",
        "address": f"{n} rue des Écoles",
        "postcode": "22300",
        "city": "Lannion",
        "latitude": lat,
        "longitude": lon,
        "services": ["Aide aux démarches administratives"],
        "hours": "Mo-Fr 09:00-18:00",
        "source_updated_on": datetime.date(2026, 1, 15),
    }
    values.update(fields)
    return Place.objects.create(**values)


@pytest.fixture
def lannion():
    d22 = DepartementFactory(code="22", name="Côtes-d'Armor")
    return CommuneFactory(
        code_insee="22113", name="Lannion", departement=d22, latitude=48.7326, longitude=-3.4566, postcodes="22300"
    )


@pytest.fixture
def directory(lannion):
    org = OrganisationFactory(name="Association Trégor Numérique")
    near = make_place(
        48.7400,
        -3.4566,
        name="Espace numérique de Lannion",
        organisation=org,
        phone="+33296000000",
        emails=["contact@tregor.example"],
        publics=["Seniors"],
        hours="Mo-Fr 09:00-12:00,14:00-18:00",
    )
    make_place(48.80, -3.4566, name="Médiathèque de Perros", hours="selon la saison", hours_valid=False)
    make_place(49.5, -3.4566, name="Lieu lointain")
    SiteFactory(name="LANNION BUREAU", commune=lannion, latitude=48.7330, longitude=-3.4570)
    return {"org": org, "near": near}


def test_the_search_is_public_and_lists_places_nearest_first_with_distance_and_status(
    client, directory, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = client.get(SEARCH, {"commune": "Lannion", "radius_km": "10"})
    assert response.status_code == 200
    text = _text(response)
    order = [text.index(name) for name in ("LANNION BUREAU", "Espace numérique de Lannion", "Médiathèque de Perros")]
    assert order == sorted(order)
    assert "Lieu lointain" not in text
    assert "à 820 m" in text or "à 0,8 km" in text
    assert "horaires à vérifier" in text
    assert "Bureau de poste" in text
    assert "3 lieux à moins de 10 km de Lannion" in text
    assert 'data-places-map="lieux-carte"' in text and 'id="lieux-carte"' in text
    assert "<script>" not in response.content.decode()  # CSP: no inline script (json_script is data only)


def test_open_now_keeps_unreadable_hours_flagged(client, directory, monkeypatch):
    sunday = timezone.make_aware(datetime.datetime(2026, 3, 1, 11, 0))
    monkeypatch.setattr("tremplin.www.places.views.timezone.now", lambda: sunday)
    text = _text(client.get(SEARCH, {"commune": "22113", "when": "maintenant"}))
    assert "Espace numérique de Lannion" not in text  # closed on Sunday
    assert "Médiathèque de Perros" in text and "horaires à vérifier" in text


def test_a_chosen_day_and_hour_needs_both(client, directory):
    response = client.get(SEARCH, {"commune": "22113", "when": "date", "day": "2026-03-02"})
    assert "Choisissez le jour et l'heure" in _text(response)
    text = _text(client.get(SEARCH, {"commune": "22113", "when": "date", "day": "2026-03-02", "time": "10:00"}))
    assert "Espace numérique de Lannion" in text and "Ouvert – ferme à 12 h" in text


def test_need_filter_and_unknown_commune(client, directory):
    text = _text(client.get(SEARCH, {"commune": "22113", "need": "manque-de-materiel"}))
    assert "Aucun lieu ne correspond" in text
    assert "Aucune commune ne correspond" in _text(client.get(SEARCH, {"commune": "Atlantide"}))


def test_the_place_page_shows_every_field_in_french_the_week_and_the_last_update(client, directory):
    place = directory["near"]
    Place.objects.filter(pk=place.pk).update(updated_at=timezone.make_aware(datetime.datetime(2026, 2, 3, 10)))
    response = client.get(reverse("places:detail", args=[place.pk]))
    text = _text(response)
    assert response.status_code == 200
    assert "Mise à jour le 3 février 2026" in text
    assert re.search(r"Lundi</th><td>[^<]*9 h[^<]*12 h", text)
    for label in (
        "Téléphone",
        "Courriels",
        "Publics spécifiquement adressés",
        "SIRET, RNA ou RIDET (pivot)",
        "Frais à charge",
    ):
        assert label in text
    assert "+33296000000" in text and "Seniors" in text
    assert "Mettre à jour ce lieu" not in text  # anonymous


def test_a_place_with_unreadable_hours_says_to_check_them(client, directory):
    place = Place.objects.get(name="Médiathèque de Perros")
    text = _text(client.get(reverse("places:detail", args=[place.pk])))
    assert "Horaires à vérifier auprès du lieu : « selon la saison »" in text


def test_partner_staff_update_their_place_with_hours_checked(client, directory):
    place = directory["near"]
    partner = UserFactory(partner=True, organisation=directory["org"])
    client.force_login(partner)
    assert "Espace numérique de Lannion" in _text(client.get(reverse("places:mine")))
    url = reverse("places:edit", args=[place.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Mo-Fr 09:00-12:00,14:00-18:00" in _text(page)
    bad = client.post(url, {"hours": "lundi matin", "services": ["Aide aux démarches administratives"]})
    assert bad.status_code == 200
    assert bad.context["form"].errors["hours"]
    place.refresh_from_db()
    assert place.hours == "Mo-Fr 09:00-12:00,14:00-18:00"
    good = client.post(
        url,
        {
            "hours": "Tu-Sa 10:00-17:00",
            "services": ["Accès internet et matériel informatique", "Aide aux démarches administratives"],
            "phone": "+33296111111",
            "emails": "accueil@tregor.example\nbenevoles@tregor.example",
            "website": "https://tregor.example",
            "access_modes": ["Se présenter", "Téléphoner"],
            "publics": ["Jeunes"],
        },
    )
    assert good.status_code == 302
    place.refresh_from_db()
    assert place.hours == "Tu-Sa 10:00-17:00" and place.hours_valid
    assert set(place.services) == {"Accès internet et matériel informatique", "Aide aux démarches administratives"}
    assert place.emails == ["accueil@tregor.example", "benevoles@tregor.example"]
    assert place.updated_by == partner and timezone.now() - place.updated_at < datetime.timedelta(minutes=1)
    detail = _text(client.get(reverse("places:detail", args=[place.pk])))
    assert "Mettre à jour ce lieu" in detail and "+33296111111" in detail


def test_other_users_cannot_edit(client, directory):
    url = reverse("places:edit", args=[directory["near"].pk])
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(UserFactory(partner=True))  # another structure
    assert client.get(url).status_code == 404
    assert client.post(url, {"hours": "24/7", "services": ["Aide aux démarches administratives"]}).status_code == 404
    client.force_login(UserFactory(mediator=True))
    assert client.get(url).status_code == 404
    directory["near"].refresh_from_db()
    assert directory["near"].hours == "Mo-Fr 09:00-12:00,14:00-18:00"
