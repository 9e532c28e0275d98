"""Dashboards (« pilotage »): each level by role (allowed, 403 in French, 404, login redirect), the figures shown
are those of tremplin.reporting.stats, the filter form, the map's data, share links created and revoked, and a
bounded number of queries per level."""

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.activities.factories import ActivityFactory
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.beneficiaries.worlds import make_world
from tests.factories import UserFactory
from tests.reporting.drain import drained
from tremplin.activities.enums import Kind, Thematique
from tremplin.beneficiaries.enums import AgeBand, Gender
from tremplin.reporting import stats
from tremplin.reporting.enums import ObjectiveMeasure, ObjectiveScope
from tremplin.reporting.filters import StatsFilters
from tremplin.reporting.models import Objective, ShareLink, Team, TeamMember
from tremplin.territories.enums import OutlineLevel
from tremplin.territories.models import MapOutline
from tremplin.www.reporting import charts

pytestmark = pytest.mark.django_db


NBSP = "\u202f"


@pytest.fixture
def world():
    """make_world, plus activities: Anne twice at o1 (22) and once at o3 (29), Bruno at o2 (22), a partner's
    accompaniment of Denis at p1 (22), an anonymous accompaniment (3 people) at o1, a screening of Chloé at o3."""
    world = make_world()
    people, users = world.people, world.users
    people.at_o1.age_band, people.at_o1.gender = AgeBand.SEVENTY_PLUS, Gender.FEMALE
    people.at_o1.save()
    day = timezone.localdate() - datetime.timedelta(days=2)
    mediator = users.mediator

    def activity(site, persons=(), **kwargs):
        kwargs.setdefault("mediator", mediator)
        return ActivityFactory(
            organisation=site.organisation or world.la_poste, site=site, date=day, people=list(persons), **kwargs
        )

    activity(world.o1, [people.at_o1], themes=[Thematique.EMAIL])
    activity(world.o1, [people.at_o1], themes=[Thematique.EMAIL, Thematique.SANTE])
    activity(world.o3, [people.at_o1], themes=[Thematique.BUREAUTIQUE])
    activity(world.o2, [people.at_o2], themes=[Thematique.EMAIL])
    activity(world.p1, [people.at_p1], mediator=users.partner_mediator_elsewhere, themes=[Thematique.SANTE])
    activity(
        world.o1,
        anonymous_count=3,
        anonymous_breakdown={"genre": {"feminin": 2}, "tranche_age": {}, "statut_social": {}},
        themes=[Thematique.EMAIL],
    )
    activity(world.o3, [people.at_o3], kind=Kind.SCREENING, themes=[], duration_minutes=None)
    world.day = day
    return world


def square(code, name, lon, lat):
    ring = [[lon, lat], [lon + 1, lat], [lon + 1, lat + 1], [lon, lat + 1], [lon, lat]]
    return {
        "type": "Feature",
        "properties": {"code": code, "nom": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


@pytest.fixture
def outlines():
    """Two square départements (22, 29) as the imported outlines."""
    collection = {
        "type": "FeatureCollection",
        "features": [square("22", "Côtes-d'Armor", -3.5, 48), square("29", "Finistère", -4.5, 48)],
    }
    return MapOutline.objects.create(
        level=OutlineLevel.DEPARTEMENT, geojson=json.dumps(collection), sha256="0123456789abcdef", feature_count=2
    )


def _map_data(response) -> dict:
    match = re.search(r'id="carte-donnees" type="application/json">(.*?)</script>', response.content.decode())
    assert match, "pas de données de carte"
    return json.loads(match.group(1))


def _tile(html: str, key: str) -> str:
    match = re.search(rf'data-tile="{key}">\s*<p class="tremplin-tile__value">([^<]*)</p>', html)
    assert match, f"tuile {key} absente"
    return match.group(1)


# --- formatting and charts ---------------------------------------------------------------------------------------


def test_numbers_are_written_the_french_way():
    assert charts.fr_int(12345) == f"12{NBSP}345"
    assert charts.fr_int(1234567) == f"1{NBSP}234{NBSP}567"
    assert charts.fr_percent(452, 1000) == f"45,2{NBSP}%"
    assert charts.fr_percent(1, 0) == "—"


def test_a_bar_chart_writes_each_value_and_its_axis_unit():
    chart = charts.bar_chart("t", "Activités par thème", [("E-mail", 1234), ("Santé", 7)], unit="activités", total=1241)
    assert f">1{NBSP}234<" in chart.svg and ">7<" in chart.svg
    assert "Nombre d'activités" in chart.svg  # the axis says its unit
    assert '<title id="t-titre">Activités par thème</title>' in chart.svg
    assert [row.share for row in chart.rows] == [f"99,4{NBSP}%", f"0,6{NBSP}%"]
    # A hidden cell has no bar and says why.
    hidden = charts.bar_chart("h", "Titre", [("A", None, "< 5"), ("B", 12)], unit="personnes")
    assert hidden.svg.count('<rect x="250"') == 1 and "&lt; 5" in hidden.svg


def test_choropleth_classes_increase_and_cover_every_value():
    values = [1, 2, 3, 10, 50, 51, 400]
    bounds = charts.classes(values)
    assert bounds[0][0] == 1 and bounds[-1][1] == 400
    assert all(low <= high for low, high in bounds)
    assert all(bounds[i][1] < bounds[i + 1][0] for i in range(len(bounds) - 1))
    assert all(charts.class_of(v, bounds) >= 1 for v in values)
    assert charts.class_of(0, bounds) == 0
    assert charts.classes([0, 0]) == []


# --- access ------------------------------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_login_page(client, world):
    for url in (
        reverse("reporting:dashboard"),
        reverse("reporting:departement", args=["22"]),
        reverse("reporting:site", args=[world.o1.pk]),
        reverse("reporting:mediator", args=[world.users.mediator.pk]),
        reverse("reporting:organisation", args=[world.la_poste.pk]),
        reverse("reporting:shares"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/compte/connexion/" in response["Location"], url


def test_each_role_lands_on_its_own_level(client, world):
    users = world.users
    client.force_login(users.national)
    response = client.get(reverse("reporting:dashboard"))
    assert response.status_code == 200 and "Tableau de bord national" in response.content.decode()

    client.force_login(users.coordinator_22)
    response = client.get(reverse("reporting:dashboard") + "?from=2020-01-01")
    assert response["Location"] == reverse("reporting:departement", args=["22"]) + "?from=2020-01-01"

    client.force_login(users.coordinator_no_org)  # two départements: a chooser
    response = client.get(reverse("reporting:dashboard"))
    assert response.status_code == 200
    assert reverse("reporting:departement", args=["22"]) in response.content.decode()
    assert reverse("reporting:departement", args=["29"]) in response.content.decode()

    client.force_login(users.mediator)
    assert client.get(reverse("reporting:dashboard"))["Location"] == reverse(
        "reporting:mediator", args=[users.mediator.pk]
    )
    client.force_login(users.partner)
    assert client.get(reverse("reporting:dashboard"))["Location"] == reverse(
        "reporting:organisation", args=[world.association.pk]
    )


@pytest.mark.parametrize(
    "role, url_name, arg, status",
    [
        ("national", "departement", "22", 200),
        ("coordinator_22", "departement", "22", 200),
        ("coordinator_22", "departement", "29", 403),
        ("coordinator_22", "site", "o1", 200),
        ("coordinator_22", "site", "o3", 403),
        ("mediator", "mediator", "mediator", 200),
        ("mediator", "mediator", "partner_mediator_elsewhere", 404),  # another mediator's dashboard: not found
        ("mediator", "organisation", "la_poste", 200),
        ("partner", "organisation", "association", 200),
        ("partner", "organisation", "la_poste", 403),
        ("partner", "departement", "22", 200),
        ("national", "organisation", "association", 200),
    ],
)
def test_levels_are_scoped_by_role(client, world, role, url_name, arg, status):
    targets = {
        "o1": world.o1.pk,
        "o3": world.o3.pk,
        "la_poste": world.la_poste.pk,
        "association": world.association.pk,
        "mediator": world.users.mediator.pk,
        "partner_mediator_elsewhere": world.users.partner_mediator_elsewhere.pk,
    }
    client.force_login(getattr(world.users, role))
    response = client.get(reverse(f"reporting:{url_name}", args=[targets.get(arg, arg)]))
    assert response.status_code == status
    if status == 403:
        html = response.content.decode()
        assert "Accès refusé" in html
        filters = {
            "departement": StatsFilters(departement=arg),
            "site": StatsFilters(site=targets.get(arg)),
            "mediator": StatsFilters(mediator=targets.get(arg)),
            "organisation": StatsFilters(organisation=targets.get(arg)),
        }[url_name]
        message = stats.scope_error(getattr(world.users, role), filters)
        assert message and message.replace("'", "&#x27;") in html


def test_unknown_ids_are_404(client, world):
    client.force_login(world.users.national)
    for url in (
        reverse("reporting:departement", args=["999"]),
        reverse("reporting:site", args=[999999]),
        reverse("reporting:mediator", args=[999999]),
        reverse("reporting:mediator", args=[world.users.partner.pk]),  # not a mediator
        reverse("reporting:team", args=[999999]),
        reverse("reporting:organisation", args=[999999]),
    ):
        assert client.get(url).status_code == 404, url


def test_a_national_manager_has_no_own_level_refused(client, world):
    client.force_login(UserFactory(role="administrateur"))
    assert client.get(reverse("reporting:dashboard")).status_code == 200


# --- figures -----------------------------------------------------------------------------------------------------


def test_national_figures_are_those_of_stats_side_by_side(client, world):
    client.force_login(world.users.national)
    html = client.get(reverse("reporting:dashboard")).content.decode()
    summary = stats.summary(world.users.national, StatsFilters())
    assert summary.unique_beneficiaries == 3  # Anne once across o1 and o3; Bruno; Denis (Chloé was only screened)
    assert _tile(html, "personnes") == "3"
    assert _tile(html, "anonymes") == "3"
    assert _tile(html, "activites") == "7"
    assert _tile(html, "accompagnements") == str(summary.accompaniments) == "6"
    assert "jamais ajoutés aux personnes" in html and "une seule fois" in html
    # Charts with their tables.
    assert html.count("<svg") >= 9
    assert 'data-table="thematiques"' in html and 'data-table="tendance"' in html
    assert "E-mail" in html


def test_a_departement_shows_its_own_counts(client, world):
    client.force_login(world.users.coordinator_22)
    html = client.get(reverse("reporting:departement", args=["22"])).content.decode()
    assert _tile(html, "personnes") == "3"  # Anne (o1), Bruno (o2), Denis (p1)
    assert _tile(html, "activites") == "5"
    assert "Côtes-d&#x27;Armor (22)" in html


def test_the_mediator_sees_their_own_activity(client, world):
    mediator = world.users.mediator
    client.force_login(mediator)
    html = client.get(reverse("reporting:mediator", args=[mediator.pk])).content.decode()
    expected = stats.summary(mediator, StatsFilters(mediator=mediator.pk))
    assert _tile(html, "personnes") == str(expected.unique_beneficiaries) == "2"
    assert "Mon activité" in html


def test_the_team_counts_a_member_up_to_the_day_they_left(client, world):
    coordinator = world.users.coordinator_22
    team = Team.objects.create(name="Équipe Trégor", coordinator=coordinator, organisation=world.la_poste)
    TeamMember.objects.create(
        team=team,
        mediator=world.users.mediator,
        joined_on=world.day - datetime.timedelta(days=30),
        left_on=world.day - datetime.timedelta(days=1),
    )
    client.force_login(coordinator)
    html = client.get(reverse("reporting:team", args=[team.pk])).content.decode()
    assert _tile(html, "activites") == "0"
    TeamMember.objects.filter(team=team).update(left_on=None)
    html = client.get(reverse("reporting:team", args=[team.pk])).content.decode()
    assert _tile(html, "activites") == "4"  # the mediator's 6, less the 2 in 29, outside the coordinator's scope
    client.force_login(world.users.coordinator_29)
    assert client.get(reverse("reporting:team", args=[team.pk])).status_code == 403


def test_filters_change_the_figures_and_unreadable_ones_are_said(client, world):
    client.force_login(world.users.national)
    html = client.get(reverse("reporting:dashboard"), {"theme": Thematique.SANTE}).content.decode()
    assert _tile(html, "activites") == "2"
    html = client.get(reverse("reporting:dashboard"), {"type": Kind.SCREENING, "departement": "29"}).content.decode()
    assert _tile(html, "activites") == "1" and _tile(html, "personnes") == "0"
    response = client.get(reverse("reporting:dashboard"), {"from": "hier", "theme": "inconnu"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Date illisible" in html and "Thématique inconnue" in html
    assert _tile(html, "activites") == "7"


def test_the_map_data_matches_by_departement_and_links_only_what_the_viewer_may_open(client, world, outlines):
    client.force_login(world.users.national)
    response = client.get(reverse("reporting:dashboard"))
    data = _map_data(response)
    assert data["contours"] == reverse("public_stats:contours") + "?v=0123456789ab"
    counts = stats.by_departement(world.users.national, StatsFilters())
    assert {code: entry["value"] for code, entry in data["measures"]["personnes"].items()} == {
        code: people for code, (people, _) in counts.items()
    }
    assert data["measures"]["activites"]["22"]["value"] == 5
    assert set(data["links"]) == {"22", "29"}
    assert data["links"]["22"].startswith(reverse("reporting:departement", args=["22"]))

    client.force_login(world.users.partner)
    data = _map_data(client.get(reverse("reporting:organisation", args=[world.association.pk])))
    assert data["links"] == {}


# --- queries -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, url_name, arg, most",
    [
        ("national", "dashboard", None, 24),  # PostgreSQL: the pre-aggregated path reads a few more tables
        ("coordinator_22", "departement", "22", 18),
        ("coordinator_22", "site", "o1", 17),
        ("mediator", "mediator", "mediator", 16),
        ("partner", "organisation", "association", 20),
        ("coordinator_22", "team", "team", 17),
    ],
)
def test_each_level_has_bounded_queries(
    client, world, outlines, django_assert_max_num_queries, role, url_name, arg, most
):
    team = Team.objects.create(name="Équipe", coordinator=world.users.coordinator_22, organisation=world.la_poste)
    TeamMember.objects.create(team=team, mediator=world.users.mediator, joined_on=world.day)
    targets = {
        "o1": world.o1.pk,
        "association": world.association.pk,
        "mediator": world.users.mediator.pk,
        "team": team.pk,
    }
    start, deadline = world.day - datetime.timedelta(days=60), world.day + datetime.timedelta(days=300)
    common = {"measure": ObjectiveMeasure.PEOPLE, "target": 100, "starts_on": start, "deadline": deadline}
    for index in range(2):  # two objectives per level: each is one more query (its weekly series), no more
        Objective.objects.create(
            label=f"Programme {index}", scope=ObjectiveScope.PROGRAMME, organisation=world.association, **common
        )
        Objective.objects.create(
            label=f"Programme LP {index}", scope=ObjectiveScope.PROGRAMME, organisation=world.la_poste, **common
        )
        Objective.objects.create(
            label=f"22 {index}",
            scope=ObjectiveScope.DEPARTEMENT,
            departement_id="22",
            organisation=world.la_poste,
            **common,
        )
        Objective.objects.create(
            label=f"o1 {index}", scope=ObjectiveScope.SITE, site=world.o1, organisation=world.la_poste, **common
        )
        Objective.objects.create(
            label=f"Médiateur {index}",
            scope=ObjectiveScope.MEDIATOR,
            mediator=world.users.mediator,
            organisation=world.la_poste,
            **common,
        )
    for _ in range(5):  # more people and activities do not mean more queries
        ActivityFactory(
            organisation=world.la_poste,
            site=world.o1,
            mediator=world.users.mediator,
            date=world.day,
            people=[BeneficiaryFactory(organisation=world.la_poste, site=world.o1)],
        )
    client.force_login(getattr(world.users, role))
    url = reverse(f"reporting:{url_name}", args=[targets.get(arg, arg)] if arg else [])
    drained()
    with django_assert_max_num_queries(most):
        response = client.get(url, {"from": "2020-01-01", "theme": Thematique.EMAIL})
    assert response.status_code == 200
    shown = {"dashboard": 4, "team": 0}.get(url_name, 2)  # national: both programmes' objectives
    assert response.content.decode().count("data-objective") == shown


# --- share links -------------------------------------------------------------------------------------------------


def test_a_coordinator_shares_their_departement_and_revokes_it(client, world):
    coordinator = world.users.coordinator_22
    client.force_login(coordinator)
    page = client.get(reverse("reporting:departement", args=["22"])).content.decode()
    assert "Créer le lien de partage" in page
    response = client.post(
        reverse("reporting:share_create"),
        {
            "departement": "22",
            "from": "2020-01-01",
            "label": "Préfecture — comité de pilotage",
            "expires_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
            "retour": reverse("reporting:departement", args=["22"]),
        },
    )
    assert response["Location"] == reverse("reporting:shares")
    link = ShareLink.objects.get()
    assert link.filters == {"from": "2020-01-01", "departement": "22"} and link.created_by == coordinator
    listing = client.get(reverse("reporting:shares")).content.decode()
    assert "Préfecture — comité de pilotage" in listing and link.token in listing

    # Another coordinator neither sees nor revokes it.
    client.force_login(world.users.coordinator_29)
    assert "Préfecture" not in client.get(reverse("reporting:shares")).content.decode()
    assert client.post(reverse("reporting:share_revoke", args=[link.pk])).status_code == 404

    client.force_login(coordinator)
    client.post(reverse("reporting:share_revoke", args=[link.pk]))
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_sharing_is_refused_outside_the_coordinators_departements_and_to_mediators(client, world):
    client.force_login(world.users.coordinator_22)
    data = {
        "departement": "29",
        "label": "x",
        "expires_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
    }
    assert client.post(reverse("reporting:share_create"), data).status_code == 403
    client.force_login(world.users.mediator)
    assert client.post(reverse("reporting:share_create"), {**data, "departement": "22"}).status_code == 403
    assert client.get(reverse("reporting:shares")).status_code == 403
    assert not ShareLink.objects.exists()


def test_shares_page_has_bounded_queries(client, world, django_assert_max_num_queries):
    for index in range(4):
        ShareLink.objects.create(
            label=f"Lien {index}",
            filters={"departement": "22"},
            created_by=world.users.national,
            expires_at=timezone.now() + datetime.timedelta(days=3),
        )
    client.force_login(world.users.national)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("reporting:shares"))
    assert response.content.decode().count("Révoquer") == 4


def test_the_chooser_lists_departements_and_teams_with_bounded_queries(client, world, django_assert_max_num_queries):
    coordinator = world.users.coordinator_no_org
    client.force_login(coordinator)
    with django_assert_max_num_queries(5):
        html = client.get(reverse("reporting:dashboard"), {"theme": Thematique.EMAIL}).content.decode()
    assert reverse("reporting:departement", args=["29"]) + "?theme=email" in html


def test_the_level_fixes_its_own_filter(client, world):
    client.force_login(world.users.coordinator_22)
    html = client.get(reverse("reporting:departement", args=["22"]), {"departement": "29"}).content.decode()
    assert '<select name="departement"' not in html  # the level sets it; the query string cannot change it
    assert 'type="hidden" name="departement" value="22"' in html  # and shares it
    assert _tile(html, "personnes") == "3"
