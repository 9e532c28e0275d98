"""Public statistics page and read-only share links: no login, small cells suppressed (and said so), no name ever,
cached one hour, revoked or expired links answer 404 in French."""

import datetime
import json
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from tests.activities.factories import ActivityFactory
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.beneficiaries.worlds import make_world
from tests.reporting.drain import drained
from tremplin.activities.enums import Thematique
from tremplin.reporting import services
from tremplin.reporting.filters import StatsFilters
from tremplin.reporting.models import ShareLink
from tremplin.territories.enums import OutlineLevel
from tremplin.territories.models import MapOutline
from tremplin.www.reporting import public

pytestmark = pytest.mark.django_db


NBSP = "\u202f"


@pytest.fixture(autouse=True)
def _no_cached_page():
    cache.delete(public.CACHE_KEY)
    yield
    cache.delete(public.CACHE_KEY)


@pytest.fixture
def world():
    """22: 7 different people at o1 (each once, e-mail), 2 at o2 (health); 29: 1 person at o3."""
    world = make_world()
    day = timezone.localdate() - datetime.timedelta(days=2)
    mediator = world.users.mediator
    for _ in range(7):
        ActivityFactory(
            organisation=world.la_poste,
            site=world.o1,
            mediator=mediator,
            date=day,
            people=[BeneficiaryFactory(organisation=world.la_poste, site=world.o1, first_name="Zéphirine")],
        )
    for _ in range(2):
        ActivityFactory(
            organisation=world.la_poste,
            site=world.o2,
            mediator=mediator,
            date=day,
            themes=[Thematique.SANTE],
            people=[BeneficiaryFactory(organisation=world.la_poste, site=world.o2, first_name="Zéphirine")],
        )
    ActivityFactory(
        organisation=world.la_poste, site=world.o3, mediator=mediator, date=day, people=[world.people.at_o3]
    )
    return world


def _tile(html: str, key: str) -> str:
    match = re.search(rf'data-tile="{key}">\s*<p class="tremplin-tile__value">([^<]*)</p>', html)
    assert match, f"tuile {key} absente"
    return match.group(1)


def _departement_row(html: str, code: str) -> list[str]:
    table = html[html.index('data-table="departements"') :]
    match = re.search(rf"<tr><td>{code}</td>(.*?)</tr>", table, re.S)
    assert match, f"département {code} absent du tableau"
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", match.group(1))]


def test_the_national_page_needs_no_login_and_hides_small_cells(client, world):
    response = client.get(reverse("public_stats:national"))
    assert response.status_code == 200
    html = response.content.decode()
    assert _tile(html, "personnes") == "10"
    assert _tile(html, "activites") == "10"
    assert _tile(html, "anonymes") == "0"  # zeros are published
    assert "Secret statistique" in html and "&lt; 5" in html
    # 22 counts 9 people; 29 counts 1, hidden, and then 22 too (the national total would give it away).
    assert _departement_row(html, "29")[1:] == ["&lt; 5", "&lt; 5"]
    assert _departement_row(html, "22")[1:] == ["secret", "secret"]
    # By theme: santé 2 hidden, and e-mail 8 too, since 10 activities are published.
    theme_table = html[html.index('data-table="thematiques"') :]
    theme_table = theme_table[: theme_table.index("</table>")]
    assert re.search(r"Santé</th><td[^>]*>&lt; 5<", theme_table)
    assert re.search(r"E-mail</th><td[^>]*>secret<", theme_table)
    assert "Zéphirine" not in html and world.users.mediator.last_name not in html
    assert "Personnes identifiées" in html and "Accompagnements anonymes" in html


def test_the_national_page_is_cached_for_an_hour(client, world, django_assert_max_num_queries):
    first = client.get(reverse("public_stats:national")).content.decode()
    ActivityFactory(organisation=world.la_poste, site=world.o1, people=[BeneficiaryFactory()])
    with django_assert_max_num_queries(2):  # the cache read (a database cache here), the session-less page
        second = client.get(reverse("public_stats:national")).content.decode()
    assert _tile(second, "activites") == _tile(first, "activites") == "10"
    assert public.CACHE_SECONDS == 3600
    cache.delete(public.CACHE_KEY)
    assert _tile(client.get(reverse("public_stats:national")).content.decode(), "activites") == "11"


def test_the_national_page_has_bounded_queries_when_computed(client, world, django_assert_max_num_queries):
    drained()
    with django_assert_max_num_queries(18):
        assert client.get(reverse("public_stats:national")).status_code == 200


def test_the_public_outlines_need_no_login(client, db):
    response = client.get(reverse("public_stats:contours"))
    assert response.status_code == 200 and json.loads(response.content)["features"] == []
    MapOutline.objects.create(
        level=OutlineLevel.DEPARTEMENT,
        geojson='{"type": "FeatureCollection", "features": [{"x": 1}]}',
        sha256="abcdef",
        feature_count=1,
    )
    response = client.get(reverse("public_stats:contours"))
    assert len(json.loads(response.content)["features"]) == 1 and "public" in response["Cache-Control"]


def _link(world, **changes):
    return services.share_link_create(
        by=world.users.coordinator_22,
        label="Conseil départemental",
        filters=StatsFilters(departement="22", **changes),
        expires_at=timezone.now() + datetime.timedelta(days=10),
    )


def test_a_share_link_shows_its_view_without_login_names_or_small_cells(client, world, django_assert_max_num_queries):
    link = _link(world)
    url = reverse("public_stats:share", args=[link.token])
    drained()
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Conseil départemental" in html and "Côtes-d&#x27;Armor (22)" in html
    assert _tile(html, "personnes") == "9"  # only 22 (7 at o1, 2 at o2)
    assert "&lt; 5" in html and "Secret statistique" in html
    assert "Zéphirine" not in html and world.users.mediator.last_name not in html
    assert world.users.coordinator_22.last_name not in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    link.refresh_from_db()
    assert link.last_used_at is not None


def test_a_shared_mediator_view_does_not_name_the_mediator(client, world):
    link = services.share_link_create(
        by=world.users.national,
        label="Bilan",
        filters=StatsFilters(mediator=world.users.mediator.pk),
        expires_at=timezone.now() + datetime.timedelta(days=10),
    )
    html = client.get(reverse("public_stats:share", args=[link.token])).content.decode()
    assert "un médiateur" in html and world.users.mediator.last_name not in html


def test_revoked_expired_or_unknown_links_are_404_in_french(client, world):
    revoked = _link(world)
    services.share_link_revoke(link=revoked, by=world.users.coordinator_22)
    expired = _link(world)
    ShareLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    for token in (revoked.token, expired.token, "inconnu"):
        response = client.get(reverse("public_stats:share", args=[token]))
        assert response.status_code == 404
        assert "Lien de partage non valable" in response.content.decode()
    revoked.refresh_from_db()
    assert revoked.last_used_at is None


def test_a_link_dies_with_its_creators_scope(client, world):
    link = _link(world)
    coordinator = world.users.coordinator_22
    coordinator.departements.clear()
    assert client.get(reverse("public_stats:share", args=[link.token])).status_code == 404
