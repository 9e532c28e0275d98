"""Activity screens: « Mes activités », the accompaniment and workshop forms, a session's record, detail, correction,
deletion, and the person's « Parcours »; by role, scoped, journaled, with bounded queries."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.activities.factories import ActivityFactory
from tests.beneficiaries.factories import BeneficiaryFactory, DiagnosticFactory
from tests.beneficiaries.worlds import make_world
from tests.factories import UserFactory
from tests.workshops.factories import RegistrationFactory, SessionFactory
from tremplin.activities.enums import Kind, PlaceType, Thematique
from tremplin.activities.models import Activity
from tremplin.beneficiaries.enums import AccessPurpose
from tremplin.beneficiaries.models import AccessLog
from tremplin.workshops.enums import Attendance
from tremplin.workshops.services import attendance_record

pytestmark = pytest.mark.django_db

ADMIN = Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES


@pytest.fixture
def world():
    world = make_world()
    world.other_mediator = UserFactory(mediator=True, organisation=world.la_poste, sites=[world.o1])
    return world


def _activity(world, mediator=None, site=None, people=(), **kwargs):
    site = site or world.o1
    return ActivityFactory(
        organisation=site.organisation or world.la_poste,
        mediator=mediator or world.users.mediator,
        site=site,
        people=list(people),
        **kwargs,
    )


def _form(world, **overrides):
    data = {
        "date": timezone.localdate().isoformat(),
        "duration": "30",
        "place_type": PlaceType.ACTIVITY_PLACE,
        "site": world.o1.pk,
        "themes": [Thematique.EMAIL],
        "referred": "non",
        "anonymous_gender": "non_communique",
        "anonymous_age_band": "non_communique",
        "anonymous_status": "non_communique",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- « Mes activités » -----------------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_login_page(client, world):
    activity = _activity(world)
    for url in (
        reverse("activities:list"),
        reverse("activities:create"),
        reverse("activities:workshop_create"),
        reverse("activities:detail", args=[activity.pk]),
        reverse("activities:edit", args=[activity.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/compte/connexion/" in response["Location"], url


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("mediator", {"mine"}),
        ("other_mediator", {"other"}),
        ("coordinator_22", {"mine", "other", "partner"}),  # everything that took place in the 22
        ("coordinator_29", {"in_29"}),
        ("partner", {"partner"}),  # their organisation's
        ("counter", set()),
        ("national", {"mine", "other", "partner", "in_29"}),
    ],
)
def test_the_list_is_scoped_by_role(client, world, role, sees):
    activities = {
        "mine": _activity(world),
        "other": _activity(world, mediator=world.other_mediator),
        "partner": _activity(world, mediator=world.users.partner, site=world.p1),
        "in_29": _activity(
            world, site=world.o3, mediator=UserFactory(mediator=True, organisation=world.la_poste, sites=[world.o3])
        ),
    }
    user = world.other_mediator if role == "other_mediator" else getattr(world.users, role)
    client.force_login(user)
    response = client.get(reverse("activities:list"))
    assert response.status_code == 200
    shown = {row["activity"].pk for row in response.context["rows"]}
    assert shown == {activities[name].pk for name in sees}


def test_the_list_filters_by_period_type_and_theme_and_shows_no_names(client, world):
    person = world.people.at_o1
    today = timezone.localdate()
    old = _activity(world, date=today - datetime.timedelta(days=60), people=[person])
    recent = _activity(world, themes=[ADMIN], admin_themes=["logement"], people=[person])
    workshop = _activity(world, collective=True, anonymous_count=4, people=[person, world.people.at_o2])
    client.force_login(world.users.mediator)

    def shown(**params):
        return {row["activity"].pk for row in client.get(reverse("activities:list"), params).context["rows"]}

    assert shown() == {old.pk, recent.pk, workshop.pk}
    assert shown(**{"from": (today - datetime.timedelta(days=30)).isoformat()}) == {recent.pk, workshop.pk}
    assert shown(type=Kind.COLLECTIVE) == {workshop.pk}
    assert shown(theme="logement") == {recent.pk}
    response = client.get(reverse("activities:list"), {"from": "hier"})
    assert "Date illisible" in response.content.decode()
    assert len(response.context["rows"]) == 3  # the unreadable filter is left out, and said so
    page = client.get(reverse("activities:list")).content.decode()
    assert person.last_name not in page and "Anne" not in page
    assert "6 (dont 4 sans fiche)" in page  # two named participants and four without a record
    assert not AccessLog.objects.exists()


def test_the_list_has_bounded_queries(client, world, django_assert_max_num_queries):
    for index in range(60):
        _activity(world, people=[world.people.at_o1], date=timezone.localdate() - datetime.timedelta(days=index % 20))
    client.force_login(world.users.mediator)
    client.get(reverse("activities:list"))  # warm up (session, second factor)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("activities:list"), {"theme": Thematique.EMAIL, "page": "2"})
    assert len(response.context["rows"]) == 10


# --- the accompaniment form ------------------------------------------------------------------------------------


def test_the_form_is_prefilled_with_today_the_usual_site_and_the_last_duration(client, world):
    _activity(world, site=world.o2, date=timezone.localdate() - datetime.timedelta(days=1))
    last = _activity(world, site=world.o2, duration_minutes=45)
    assert last.pk
    client.force_login(world.users.mediator)
    form = client.get(reverse("activities:create")).context["form"]
    assert form["date"].value() == timezone.localdate()
    assert form["duration"].value() == "45"
    assert form["site"].value() == world.o2.pk  # where they worked lately, not their first site (o1)
    assert form["place_type"].value() == PlaceType.ACTIVITY_PLACE


def test_a_new_mediator_gets_their_first_site(client, world):
    client.force_login(world.users.mediator)
    form = client.get(reverse("activities:create")).context["form"]
    assert form["site"].value() == min((world.o1, world.o2), key=lambda s: s.name).pk


def test_record_an_anonymous_accompaniment(client, world):
    client.force_login(world.users.mediator)
    data = _form(world, anonymous_gender="feminin", anonymous_age_band="soixante_dix_plus", notes="Première venue")
    response = client.post(reverse("activities:create"), data)
    assert response.status_code == 302 and response["Location"] == reverse("activities:list")
    activity = Activity.objects.get()
    assert (activity.kind, activity.anonymous_count, activity.mediator) == (Kind.INDIVIDUAL, 1, world.users.mediator)
    assert activity.anonymous_breakdown == {"genre": {"feminin": 1}, "tranche_age": {"soixante_dix_plus": 1}}
    assert not activity.participants.exists()


def test_record_for_a_preselected_person_is_journaled_and_goes_back_to_their_timeline(client, world):
    person = world.people.at_o1
    client.force_login(world.users.mediator)
    url = reverse("activities:create") + f"?personne={person.pk}"
    response = client.get(url)
    assert response.status_code == 200 and "Anne" in response.content.decode()
    log = AccessLog.objects.get()
    assert (log.beneficiary, log.purpose, log.user) == (person, AccessPurpose.ACTIVITY, world.users.mediator)
    response = client.post(url, _form(world, duration="autre", duration_other="25"))
    assert response["Location"] == reverse("beneficiaries:detail", args=[person.pk]) + "#parcours"
    activity = Activity.objects.get()
    assert activity.duration_minutes == 25 and [p.beneficiary for p in activity.participants.all()] == [person]
    assert AccessLog.objects.count() == 1  # a successful record shows nobody


def test_a_person_outside_the_scope_cannot_be_preselected(client, world):
    client.force_login(world.users.mediator)
    response = client.get(reverse("activities:create") + f"?personne={world.people.at_p1.pk}")
    assert response.status_code == 404
    assert AccessLog.objects.get().granted is False


def test_choose_the_person_in_the_list_and_save_then_type_another(client, world):
    person = world.people.at_o2
    _activity(world, people=[person])
    client.force_login(world.users.mediator)
    response = client.get(reverse("activities:create"))
    choices = dict(response.context["form"].fields["beneficiary"].choices)
    assert person.pk in choices and "Bruno" in choices[person.pk]
    assert AccessLog.objects.filter(beneficiary=person, purpose=AccessPurpose.ACTIVITY).exists()
    response = client.post(reverse("activities:create"), _form(world, beneficiary=person.pk, encore="1"))
    assert response["Location"] == reverse("activities:create")
    assert Activity.objects.latest("pk").participants.get().beneficiary == person


def test_search_finds_a_person_the_mediator_follows_and_only_them(client, world):
    client.force_login(world.users.mediator)
    response = client.get(reverse("activities:create"), {"q": "Bruno"})
    choices = dict(response.context["form"].fields["beneficiary"].choices)
    assert world.people.at_o2.pk in choices
    assert client.get(reverse("activities:create"), {"q": "Denis"}).context["found"] == 0  # another organisation
    response = client.post(reverse("activities:create"), _form(world, beneficiary=world.people.at_p1.pk))
    assert response.status_code == 200 and not Activity.objects.exists()
    assert "pas dans la liste" in str(response.context["form"].errors["beneficiary"])


def test_every_fault_is_shown_at_once_on_its_field_in_french(client, world):
    client.force_login(world.users.mediator)
    data = _form(
        world,
        date="2019-05-01",
        duration=None,
        place_type=PlaceType.HOME,
        site=None,
        themes=[Thematique.EMAIL],
        admin_themes=["logement"],
        referred="oui",
    )
    response = client.post(reverse("activities:create"), data)
    assert response.status_code == 200 and not Activity.objects.exists()
    errors = response.context["form"].errors
    assert set(errors) >= {"date", "duration", "commune", "admin_themes", "structure_kind"}
    assert "entre le 01/01/2020 et aujourd'hui" in errors["date"][0]
    assert "Indiquez une durée" in errors["duration"][0]
    assert "commune" in errors["commune"][0]
    assert "Aide aux démarches administratives" in errors["admin_themes"][0]
    assert "structure" in errors["structure_kind"][0]


def test_faults_of_the_record_are_listed_with_a_reading_fault(client, world):
    """A field the form cannot read (an unknown commune) does not hide the record's other faults."""
    client.force_login(world.users.mediator)
    data = _form(world, place_type=PlaceType.HOME, site=None, commune="Zzyzx-sur-Mer", themes=[])
    response = client.post(reverse("activities:create"), data)
    errors = response.context["form"].errors
    assert "Aucune commune ne correspond" in errors["commune"][0]
    assert "Cochez au moins une thématique" in errors["themes"][0]
    assert not Activity.objects.exists()


def test_at_home_with_a_commune_typed_by_name(client, world):
    client.force_login(world.users.mediator)
    response = client.post(
        reverse("activities:create"), _form(world, place_type=PlaceType.HOME, site=None, commune="Guingamp")
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert (activity.commune.name, activity.site, activity.departement_id) == ("Guingamp", None, "22")


@pytest.mark.parametrize("role", ["counter", "national", "admin"])
def test_roles_that_do_not_record_get_a_french_403(client, world, role):
    client.force_login(getattr(world.users, role))
    response = client.get(reverse("activities:create"))
    assert response.status_code == 403
    assert "ne permet pas d'enregistrer" in html.unescape(response.content.decode())


def test_the_form_has_bounded_queries(client, world, django_assert_max_num_queries):
    for person in [BeneficiaryFactory(organisation=world.la_poste, site=world.o1) for _ in range(12)]:
        _activity(world, people=[person])
    client.force_login(world.users.mediator)
    client.get(reverse("activities:create"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("activities:create"), {"q": "Lebrun"})
    assert len(response.context["form"].fields["beneficiary"].choices) >= 13
    with django_assert_max_num_queries(14):
        client.get(reverse("activities:create") + f"?personne={world.people.at_o1.pk}")


# --- a workshop typed by hand ----------------------------------------------------------------------------------


def test_record_a_workshop_with_named_and_anonymous_participants(client, world):
    for person in (world.people.at_o1, world.people.at_o2):
        _activity(world, people=[person])
    client.force_login(world.users.mediator)
    data = _form(
        world,
        title="Découvrir sa tablette",
        level="debutant",
        duration="120",
        participants=[world.people.at_o1.pk, world.people.at_o2.pk],
        anonymous_count="3",
        genre__feminin="2",
        tranche_age__soixante_dix_plus="3",
    )
    response = client.post(reverse("activities:workshop_create"), data)
    activity = Activity.objects.get(kind=Kind.COLLECTIVE)
    assert response["Location"] == reverse("activities:detail", args=[activity.pk])
    assert activity.anonymous_count == 3 and activity.participants.count() == 2
    assert activity.anonymous_breakdown == {"genre": {"feminin": 2}, "tranche_age": {"soixante_dix_plus": 3}}


def test_a_workshop_breakdown_may_not_exceed_the_head_count(client, world):
    client.force_login(world.users.mediator)
    data = _form(world, title="Atelier", anonymous_count="2", genre__feminin="2", genre__masculin="1")
    response = client.post(reverse("activities:workshop_create"), data)
    assert response.status_code == 200 and not Activity.objects.exists()
    assert "plus de personnes (3) que de participants anonymes (2)" in str(response.context["form"].errors)


def test_the_workshop_form_has_bounded_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.users.mediator)
    client.get(reverse("activities:workshop_create"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("activities:workshop_create")).status_code == 200


# --- a session's record ----------------------------------------------------------------------------------------


@pytest.fixture
def held_session(world):
    start = timezone.now() - datetime.timedelta(hours=3)
    session = SessionFactory(
        site=world.o1, mediator=world.users.mediator, starts_at=start, ends_at=start + datetime.timedelta(minutes=90)
    )
    came = RegistrationFactory(session=session, beneficiary=world.people.at_o1)
    absent = RegistrationFactory(session=session, beneficiary=BeneficiaryFactory(organisation=world.la_poste))
    attendance_record(
        session=session,
        marks={came.pk: (Attendance.PRESENT, ""), absent.pk: (Attendance.ABSENT, "")},
        by=world.users.mediator,
    )
    return session


def test_the_session_record_shows_who_came_and_takes_the_anonymous_head_count(client, world, held_session):
    client.force_login(world.users.mediator)
    url = reverse("activities:session", args=[held_session.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert [row.person.name for row in response.context["participants"]] == [world.people.at_o1.display_name]
    log = AccessLog.objects.get(purpose=AccessPurpose.ACTIVITY)
    assert log.beneficiary == world.people.at_o1
    response = client.post(
        url,
        {
            "anonymous_count": "2",
            "statut_social__retraite": "2",
            "themes": [Thematique.EMAIL, Thematique.SECURITE_NUMERIQUE],
            "equipment": ["tablette"],
        },
    )
    assert response["Location"] == url
    activity = held_session.activity
    activity.refresh_from_db()
    assert (activity.anonymous_count, activity.equipment) == (2, ["tablette"])
    assert activity.anonymous_breakdown == {"statut_social": {"retraite": 2}}
    assert activity.participants.get().beneficiary == world.people.at_o1  # the sheet still says who came
    page = client.get(reverse("workshops:session", args=[held_session.pk])).content.decode()
    assert "Compte rendu de l'atelier" in html.unescape(page)


def test_the_session_record_is_for_those_who_run_sessions(client, world, held_session):
    url = reverse("activities:session", args=[held_session.pk])
    client.force_login(world.users.coordinator_29)  # does not see the session
    assert client.get(url).status_code == 404
    client.force_login(world.users.counter)  # sees it, does not run workshops
    assert client.get(url).status_code == 403
    client.force_login(world.other_mediator)  # sees it (same office), is not its mediator: reads, cannot change
    response = client.get(url)
    assert response.status_code == 200 and "Enregistrer le compte rendu" not in response.content.decode()
    assert client.post(url, {"anonymous_count": "3"}).status_code == 403


def test_the_session_record_has_bounded_queries(client, world, held_session, django_assert_max_num_queries):
    for _ in range(5):
        registration = RegistrationFactory(session=held_session)
        attendance_record(
            session=held_session, marks={registration.pk: (Attendance.PRESENT, "")}, by=world.users.mediator
        )
    client.force_login(world.users.mediator)
    url = reverse("activities:session", args=[held_session.pk])
    client.get(url)
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert len(response.context["participants"]) == 6


# --- detail, correction, deletion ------------------------------------------------------------------------------


def test_detail_shows_participants_through_the_read_path(client, world, django_assert_max_num_queries):
    activity = _activity(world, people=[world.people.at_o1])
    client.force_login(world.users.mediator)
    client.get(reverse("activities:detail", args=[activity.pk]))
    AccessLog.objects.all().delete()
    with django_assert_max_num_queries(10):
        response = client.get(reverse("activities:detail", args=[activity.pk]))
    assert "Anne" in response.content.decode()
    assert AccessLog.objects.get().purpose == AccessPurpose.ACTIVITY


def test_detail_outside_the_scope_is_404(client, world):
    activity = _activity(world, people=[world.people.at_o1])
    for user in (world.other_mediator, world.users.partner, world.users.coordinator_29):
        client.force_login(user)
        for name in ("detail", "edit", "delete"):
            assert client.get(reverse(f"activities:{name}", args=[activity.pk])).status_code == 404, (user, name)


def test_visible_but_not_editable_is_a_french_403(client, world):
    activity = _activity(world)
    diagnostic_record = _activity(world, kind=Kind.DIAGNOSTIC)
    client.force_login(world.users.national)  # sees everything, records nothing
    assert client.get(reverse("activities:detail", args=[activity.pk])).status_code == 200
    response = client.get(reverse("activities:edit", args=[activity.pk]))
    assert response.status_code == 403 and "peuvent modifier cette activité" in html.unescape(response.content.decode())
    client.force_login(world.users.mediator)  # their own diagnostic's record follows the diagnostic
    assert client.get(reverse("activities:edit", args=[diagnostic_record.pk])).status_code == 403
    assert client.post(reverse("activities:delete", args=[diagnostic_record.pk])).status_code == 403


def test_correct_then_delete_an_accompaniment(client, world):
    activity = _activity(world, people=[world.people.at_o1], duration_minutes=30)
    client.force_login(world.users.coordinator_22)  # the coordination of its organisation may correct it
    url = reverse("activities:edit", args=[activity.pk])
    form = client.get(url).context["form"]
    assert form["duration"].value() == "30" and "beneficiary" not in form.fields
    response = client.post(url, _form(world, duration="60", themes=[Thematique.SANTE], autonomy="autonome"))
    assert response["Location"] == reverse("activities:detail", args=[activity.pk])
    activity.refresh_from_db()
    assert (activity.duration_minutes, activity.themes, activity.autonomy) == (60, ["sante"], "autonome")
    assert activity.participants.get().beneficiary == world.people.at_o1
    delete = reverse("activities:delete", args=[activity.pk])
    assert client.get(delete).status_code == 200 and Activity.objects.exists()
    assert client.post(delete)["Location"] == reverse("activities:list")
    assert not Activity.objects.exists()


def test_correct_a_workshop_typed_by_hand(client, world):
    activity = _activity(world, collective=True, people=[world.people.at_o1], anonymous_count=2)
    client.force_login(world.users.mediator)
    url = reverse("activities:edit", args=[activity.pk])
    form = client.get(url).context["form"]
    assert form["participants"].value() == [world.people.at_o1.pk] and form["anonymous_count"].value() == 2
    data = _form(world, title="Atelier e-mail", duration="90", participants=[world.people.at_o2.pk], anonymous_count=0)
    assert client.post(url, data).status_code == 302
    activity.refresh_from_db()
    assert [p.beneficiary for p in activity.participants.all()] == [world.people.at_o2]
    assert (activity.anonymous_count, activity.duration_minutes) == (0, 90)


# --- the person's « Parcours » ---------------------------------------------------------------------------------


def test_the_person_page_shows_the_timeline_with_links_the_viewer_may_open(
    client, world, held_session, django_assert_max_num_queries
):
    person = world.people.at_o1
    accompaniment = _activity(world, people=[person], date=timezone.localdate() - datetime.timedelta(days=10))
    DiagnosticFactory(
        beneficiary=person, performed_by=world.users.mediator, performed_at=timezone.now() - datetime.timedelta(days=2)
    )
    from tremplin.activities.services import activity_for_source

    activity_for_source(source=person.diagnostics.get())
    client.force_login(world.users.mediator)
    client.get(reverse("beneficiaries:detail", args=[person.pk]))
    with django_assert_max_num_queries(12):  # the timeline is one query, whatever its kinds
        response = client.get(reverse("beneficiaries:detail", args=[person.pk]))
    timeline = response.context["timeline"]
    assert [entry.kind for entry in timeline] == [Kind.COLLECTIVE, Kind.DIAGNOSTIC, Kind.INDIVIDUAL]
    assert timeline[2].url == reverse("activities:detail", args=[accompaniment.pk])
    assert timeline[0].url == reverse("activities:session", args=[held_session.pk])
    assert timeline[1].url.startswith("/diagnostic/")
    page = response.content.decode()
    assert "Parcours" in page and "Enregistrer un accompagnement" in page
    client.force_login(world.users.counter)  # sees the person, does not run sessions nor see the mediator's records
    timeline = client.get(reverse("beneficiaries:detail", args=[person.pk])).context["timeline"]
    assert len(timeline) == 3 and timeline[0].url is None and timeline[2].url is None


def test_notes_are_read_inside_the_records_organisation_only(client, world):
    """An association's activity in the coordinator's département: the La Poste coordinator sees the record, not
    its free-text notes (they may say things about the person)."""
    activity = _activity(world, mediator=world.users.partner, site=world.p1, notes="Voisine de Mme Zorglub, malade")
    url = reverse("activities:detail", args=[activity.pk])
    client.force_login(world.users.coordinator_22)
    response = client.get(url)
    assert response.status_code == 200
    assert "Zorglub" not in response.content.decode()
    client.force_login(world.users.partner)
    assert "Voisine de Mme Zorglub" in client.get(url).content.decode()
