"""GET /api/v1/activities: scope of the key's user, Coop codes without any name, cursor pagination."""

import datetime
import json
from types import SimpleNamespace

import pytest
from django.utils import timezone

from tests.activities.factories import ActivityFactory
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import CommuneFactory, DepartementFactory, OrganisationFactory, SiteFactory, UserFactory
from tremplin.accounts.tokens import api_token_create, api_token_revoke
from tremplin.activities.enums import AdministrativeTheme, Autonomy, Kind, StructureKind, Thematique
from tremplin.activities.models import Activity
from tremplin.activities.services import activity_update
from tremplin.api.activities import decode_cursor, encode_cursor

pytestmark = pytest.mark.django_db
HOSTILE_NAMES = ('=HYPERLINK("https://evil.example")', "Zébulon-Secret", "@Malveillant")
HOSTILE_CONTACTS = ("06 99 88 77 66", "zebulon.secret@exemple.fr")


@pytest.fixture
def world():
    d22 = DepartementFactory(code="22", name="Côtes-d'Armor")
    d29 = DepartementFactory(code="29", name="Finistère")
    site22 = SiteFactory(name="BUREAU LANNION", commune=CommuneFactory(departement=d22, code_insee="22113"))
    site29 = SiteFactory(name="BUREAU BREST", commune=CommuneFactory(departement=d29, code_insee="29019"))
    poste = OrganisationFactory(la_poste=True)
    mediator = UserFactory(mediator=True, organisation=poste, sites=[site22])
    other_mediator = UserFactory(mediator=True, organisation=poste, sites=[site29])
    person = BeneficiaryFactory(
        first_name=HOSTILE_NAMES[0],
        last_name=HOSTILE_NAMES[1],
        pseudonym=HOSTILE_NAMES[2],
        mobile_phone="0699887766",
        email=HOSTILE_CONTACTS[1],
        site=site22,
    )
    mine = ActivityFactory(
        organisation=poste,
        mediator=mediator,
        site=site22,
        people=[person],
        themes=[Thematique.EMAIL, Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES],
        admin_themes=[AdministrativeTheme.LOGEMENT],
        equipment=["ordinateur"],
        autonomy=Autonomy.AUTONOMOUS,
        referred=True,
        structure_kind=StructureKind.ADMINISTRATION,
        anonymous_count=2,
        notes=f"Appeler {HOSTILE_NAMES[1]} au {HOSTILE_CONTACTS[0]}",
    )
    theirs = ActivityFactory(organisation=poste, mediator=other_mediator, site=site29, kind=Kind.COLLECTIVE)
    coordinator = UserFactory(coordinator=True, organisation=poste, departements=[d22])
    national = UserFactory(national=True)
    return SimpleNamespace(
        d22=d22,
        site22=site22,
        poste=poste,
        mediator=mediator,
        other_mediator=other_mediator,
        coordinator=coordinator,
        national=national,
        person=person,
        mine=mine,
        theirs=theirs,
    )


def call(client, user=None, key=None, **params):
    if user is not None:
        _, key = api_token_create(user=user)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return client.get("/api/v1/activities", params, **headers)


def walk(client, key, **params):
    """Every page from the first, following `next`: the list of pages' ids."""
    pages, cursor = [], None
    for _ in range(100):
        answer = call(client, key=key, **params, **({"cursor": cursor} if cursor else {}))
        assert answer.status_code == 200, answer.content
        data = answer.json()
        pages.append([item["id"] for item in data["results"]])
        cursor = data["next"]
        if cursor is None:
            return pages
    raise AssertionError("pagination sans fin")


def test_without_a_valid_key_the_answer_is_401_in_french(client, world):
    assert call(client).status_code == 401
    token, key = api_token_create(user=world.national)
    api_token_revoke(token=token)
    answer = call(client, key=key)
    assert answer.status_code == 401
    assert answer.json()["detail"] == "Clé d'API manquante, invalide ou révoquée."
    assert call(client, key="pas-une-cle").status_code == 401


def test_each_role_gets_the_activities_it_may_count(client, world):
    ids = lambda user: {item["id"] for item in call(client, user).json()["results"]}  # noqa: E731
    assert ids(world.national) == {world.mine.pk, world.theirs.pk}
    assert ids(world.coordinator) == {world.mine.pk}  # Côtes-d'Armor only
    assert ids(world.mediator) == {world.mine.pk}
    assert ids(world.other_mediator) == {world.theirs.pk}
    partner = UserFactory(partner=True)  # another organisation's staff: nothing of La Poste's
    assert ids(partner) == set()


def test_an_item_has_coop_codes_and_counts_but_no_name_contact_or_note(client, world):
    answer = call(client, world.mediator)
    item = answer.json()["results"][0]
    assert item == {
        "id": world.mine.pk,
        "type": "individuel",
        "date": world.mine.date.isoformat(),
        "duree": 30,
        "canal": "lieu_activite",
        "lieu": {"id": world.site22.pk, "nom": "BUREAU LANNION"},
        "commune_insee": "22113",
        "departement": "22",
        "type_territoire": world.mine.territory_type,
        "organisation": world.poste.pk,
        "thematiques": ["email", "aide_aux_demarches_administratives"],
        "thematiques_demarche": ["logement"],
        "materiel": ["ordinateur"],
        "autonomie": "autonome",
        "oriente": True,
        "structure": "administration",
        "niveau": "",
        "participants_identifies": 1,
        "participants_anonymes": 2,
        "modifie_le": item["modifie_le"],
    }
    assert datetime.datetime.fromisoformat(item["modifie_le"]) == world.mine.updated_at  # to the microsecond
    text = answer.content.decode()
    for secret in (*HOSTILE_NAMES, *HOSTILE_CONTACTS, "0699887766", "Appeler", world.mediator.last_name):
        assert json.dumps(secret)[1:-1] not in text and secret not in text


def test_the_cursor_walks_every_record_exactly_once(client, world):
    for day in range(11):
        ActivityFactory(
            organisation=world.poste, mediator=world.mediator, site=world.site22, date=datetime.date(2023, 1, 1 + day)
        )
    _, key = api_token_create(user=world.mediator)
    pages = walk(client, key, limit=4)
    assert [len(page) for page in pages] == [4, 4, 4]
    seen = [pk for page in pages for pk in page]
    expected = list(
        Activity.objects.filter(mediator=world.mediator).order_by("updated_at", "pk").values_list("pk", flat=True)
    )
    assert seen == expected and len(set(seen)) == 12


def test_records_with_the_same_modification_time_are_neither_skipped_nor_repeated(client, world):
    same = timezone.now() - datetime.timedelta(hours=1)
    for _ in range(5):
        ActivityFactory(organisation=world.poste, mediator=world.mediator, site=world.site22)
    Activity.objects.filter(mediator=world.mediator).update(updated_at=same)
    _, key = api_token_create(user=world.mediator)
    seen = [pk for page in walk(client, key, limit=2) for pk in page]
    assert sorted(seen) == sorted(Activity.objects.filter(mediator=world.mediator).values_list("pk", flat=True))
    assert len(seen) == len(set(seen)) == 6


def test_a_record_changed_or_added_between_pages_comes_later_and_nothing_is_lost(client, world):
    for _ in range(5):
        ActivityFactory(organisation=world.poste, mediator=world.mediator, site=world.site22)
    _, key = api_token_create(user=world.mediator)
    first = call(client, key=key, limit=3).json()
    first_ids = [item["id"] for item in first["results"]]
    # Meanwhile: the mediator corrects a record of the first page, and records a new one.
    changed = Activity.objects.get(pk=first_ids[0])
    activity_update(activity=changed, by=world.mediator, duration_minutes=90)
    added = ActivityFactory(organisation=world.poste, mediator=world.mediator, site=world.site22)
    rest, cursor = [], first["next"]
    while cursor:
        data = call(client, key=key, limit=3, cursor=cursor).json()
        rest += data["results"]
        cursor = data["next"]
    rest_ids = [item["id"] for item in rest]
    everything = set(Activity.objects.filter(mediator=world.mediator).values_list("pk", flat=True))
    assert set(first_ids) | set(rest_ids) == everything  # none lost
    assert rest_ids.count(changed.pk) == 1 and rest_ids[-2:] == [changed.pk, added.pk]  # in the order of changes
    assert [item["duree"] for item in rest if item["id"] == changed.pk] == [90]  # with its new values
    assert len(rest_ids) == len(set(rest_ids))


def test_modified_since_gives_what_changed_since(client, world):
    moment = timezone.now()
    Activity.objects.filter(pk=world.mine.pk).update(updated_at=moment - datetime.timedelta(days=2))
    Activity.objects.filter(pk=world.theirs.pk).update(updated_at=moment)
    _, key = api_token_create(user=world.national)
    since = (moment - datetime.timedelta(days=1)).isoformat()
    assert [i["id"] for i in call(client, key=key, modified_since=since).json()["results"]] == [world.theirs.pk]
    older = (moment - datetime.timedelta(days=3)).isoformat()
    assert [i["id"] for i in call(client, key=key, modified_since=older).json()["results"]] == [
        world.mine.pk,
        world.theirs.pk,
    ]
    # A naive date-time is read in the platform's time zone; a plain date is its midnight.
    assert call(client, key=key, modified_since=(moment + datetime.timedelta(days=2)).date().isoformat()).json() == {
        "count": 0,
        "next": None,
        "results": [],
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "dix"}, "limit"),
        ({"modified_since": "hier"}, "modified_since"),
        ({"modified_since": "2024-13-01"}, "modified_since"),
        ({"cursor": "pas-un-curseur"}, "cursor"),
        ({"cursor": encode_cursor(timezone.now(), 1)[:-3] + "!!!"}, "cursor"),
    ],
)
def test_unreadable_parameters_answer_422_in_french(client, world, params, field):
    answer = call(client, world.national, **params)
    assert answer.status_code == 422
    body = answer.json()
    assert body["detail"] == "Paramètres invalides."
    assert list(body["errors"]) == [field]
    assert body["errors"][field][0][0].isupper() and body["errors"][field][0].endswith(".")


def test_limit_bounds_are_accepted(client, world):
    assert call(client, world.national, limit="1").json()["count"] == 1
    assert call(client, world.national, limit="500").json()["count"] == 2


def test_cursor_round_trip_keeps_the_microseconds():
    moment = datetime.datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=datetime.UTC)
    assert decode_cursor(encode_cursor(moment, 42)) == (moment, 42)
    with pytest.raises(ValueError):
        decode_cursor(encode_cursor(moment, 42).upper())


def test_a_page_costs_the_same_few_queries_whatever_its_size(client, world, settings, django_assert_max_num_queries):
    settings.TREMPLIN_API_RATE = ""  # the rate limit's cache costs the same whatever the page (test_rate_limits.py)
    people = BeneficiaryFactory.create_batch(3, site=world.site22)
    for _ in range(30):
        ActivityFactory(organisation=world.poste, mediator=world.mediator, site=world.site22, people=people)
    _, key = api_token_create(user=world.coordinator)
    with django_assert_max_num_queries(3):  # the key, its first use stamped, the page (sites, communes, counts joined)
        data = call(client, key=key, limit=500).json()
    assert data["count"] == 31
    assert {item["participants_identifies"] for item in data["results"]} == {1, 3}
    cursor = walk(client, key, limit=10)
    assert len(cursor) == 4
    with django_assert_max_num_queries(2):
        call(client, key=key, limit=10, cursor=encode_cursor(timezone.now() - datetime.timedelta(days=1), 0))


def test_the_endpoint_is_in_the_openapi_document(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/activities"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"modified_since", "cursor", "limit"}
    assert "ActivitiesPage" in schema["components"]["schemas"]
