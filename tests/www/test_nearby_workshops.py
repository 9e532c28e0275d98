"""« Trouver un atelier près de chez moi »: commune or postcode → the places near it with upcoming sessions."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CommuneFactory, DepartementFactory, SiteFactory
from tests.workshops.factories import ProgrammeFactory, RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db

NEARBY = reverse("home:nearby")


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def trégor():
    d22 = DepartementFactory(code="22", name="Côtes-d'Armor")
    d93 = DepartementFactory(code="93", name="Seine-Saint-Denis")
    d974 = DepartementFactory(code="974", name="La Réunion")
    lannion = CommuneFactory(
        code_insee="22113", name="Lannion", departement=d22, latitude=48.7326, longitude=-3.4566, postcodes="22300"
    )
    ploubezre = CommuneFactory(
        code_insee="22221",
        name="Ploubezre",
        departement=d22,
        latitude=48.7031,
        longitude=-3.4497,
        postcodes="22300",
        population=3500,
    )
    perros = CommuneFactory(
        code_insee="22168",
        name="Perros-Guirec",
        departement=d22,
        latitude=48.8146,
        longitude=-3.4392,
        postcodes="22700",
    )
    guingamp = CommuneFactory(
        code_insee="22070", name="Guingamp", departement=d22, latitude=48.5627, longitude=-3.1505, postcodes="22200"
    )
    CommuneFactory(code_insee="93066", name="Saint-Denis", departement=d93, latitude=48.936, longitude=2.357)
    CommuneFactory(code_insee="97411", name="Saint-Denis", departement=d974, latitude=-20.882, longitude=55.45)
    lannion.population = 20000
    lannion.save()
    week = timezone.now() + datetime.timedelta(days=7)
    perros_place = SiteFactory(name="Espace numérique de Perros", commune=perros, address="1 place de l'Hôtel de ville")
    lannion_office = SiteFactory(name="LANNION PRINCIPAL", commune=lannion, address="4 rue Jean Savidan")
    guingamp_office = SiteFactory(name="GUINGAMP", commune=guingamp)  # 30 km: too far
    idle = SiteFactory(name="PLOUBEZRE", commune=ploubezre)  # only a past and a cancelled session
    email = ProgrammeFactory(title="Mes premiers e-mails")
    for days in (3, 1, 2, 9):
        SessionFactory(site=lannion_office, programme=email, starts_at=week + datetime.timedelta(days=days))
    full = SessionFactory(site=perros_place, programme=ProgrammeFactory(title="Ma tablette"), capacity=1)
    RegistrationFactory(session=full)
    SessionFactory(site=guingamp_office)
    SessionFactory(site=idle, past=True)
    SessionFactory(site=idle, cancelled=True)
    SessionFactory(site=lannion_office, starts_at=timezone.now() + datetime.timedelta(weeks=12))  # too far ahead
    return {"lannion_office": lannion_office, "perros_place": perros_place, "guingamp": guingamp_office, "idle": idle}


def test_a_commune_name_lists_the_places_near_it_with_sessions_nearest_first(
    client, trégor, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = client.get(NEARBY, {"q": "lannion"})
    assert response.status_code == 200
    places = response.context["search"].places
    assert [place.site for place in places] == [trégor["lannion_office"], trégor["perros_place"]]
    assert places[0].distance_km == pytest.approx(0, abs=0.1)
    assert places[1].distance_km == pytest.approx(9.2, abs=0.5)
    assert [s.starts_at for s in places[0].sessions] == sorted(s.starts_at for s in places[0].sessions)
    assert len(places[0].sessions) == 3  # the next three only
    text = _text(response)
    assert "Ateliers près de Lannion" in text and "À 9,2 km" in text and "4 rue Jean Savidan" in text
    assert reverse("workshops:public", args=[trégor["perros_place"].pk]) in text
    assert "Mes premiers e-mails" in text
    assert "GUINGAMP" not in text and "PLOUBEZRE" not in text


def test_a_postcode_or_a_name_without_accents_finds_the_commune(client, trégor):
    by_postcode = client.get(NEARBY, {"q": " 22700 "}).context["search"]
    assert by_postcode.commune.name == "Perros-Guirec"
    assert by_postcode.places[0].site == trégor["perros_place"]
    # 22300 covers Lannion and Ploubezre: the search starts from the most populated.
    assert client.get(NEARBY, {"q": "22300"}).context["search"].commune.name == "Lannion"
    assert client.get(NEARBY, {"q": "perros guirec"}).context["search"].commune.name == "Perros-Guirec"


def test_an_ambiguous_name_lists_the_communes_to_choose_from(client, trégor, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get(NEARBY, {"q": "Saint-Denis"})
    search = response.context["search"]
    assert search.commune is None and {c.code_insee for c in search.choices} == {"93066", "97411"}
    text = _text(response)
    assert "Plusieurs communes correspondent" in text
    assert "Saint-Denis (La Réunion, 974)" in text and "Saint-Denis (Seine-Saint-Denis, 93)" in text
    chosen = client.get(NEARBY, {"q": "Saint-Denis", "commune": "93066"}).context["search"]
    assert chosen.commune.code_insee == "93066" and chosen.places == []
    assert "Aucun atelier n'est prévu à moins de 20 km de Saint-Denis" in _text(
        client.get(NEARBY, {"q": "Saint-Denis", "commune": "93066"})
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Lanion", "Aucune commune ne s'appelle « Lanion »"),
        ("223", "Un code postal a 5 chiffres"),
        ("99999", "Aucune commune n'a le code postal 99999"),
        ("x", "Tapez au moins deux lettres"),
    ],
)
def test_nothing_found_is_said_in_plain_french(client, trégor, typed, message):
    response = client.get(NEARBY, {"q": typed})
    assert response.status_code == 200
    assert message in _text(response)
    assert response.context["search"].places == []


def test_the_search_shows_no_personal_data_and_is_reachable_without_an_account(client, trégor):
    home = _text(client.get(reverse("home:index")))
    assert "Trouver un atelier près de chez moi" in home and f'action="{NEARBY}"' in home
    public = _text(client.get(reverse("workshops:public", args=[trégor["lannion_office"].pk])))
    assert f'href="{NEARBY}"' in public
    text = _text(client.get(NEARBY, {"q": "Perros-Guirec"}))
    person = trégor["perros_place"].sessions.get().registrations.get().beneficiary
    assert person.last_name not in text and person.first_name not in text
