"""The rules of an activity record (activity_record), the session's record from its attendance sheet
(activity_sync_session), the timeline records written by the other services, and what merges and deletions of people
do to the participations."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.beneficiaries.factories import BeneficiaryFactory, ScreeningFactory
from tests.beneficiaries.worlds import make_world
from tests.factories import CommuneFactory, UserFactory
from tests.mandates.factories import MandateFactory, habilitated
from tests.referrals.factories import SERVICE
from tests.referrals.factories import make_world as make_referral_world
from tests.workshops.factories import RegistrationFactory, SessionFactory
from tremplin.activities import selectors
from tremplin.activities.enums import Kind, PlaceType, StructureKind, Thematique
from tremplin.activities.models import Activity, Participant
from tremplin.activities.services import activity_record, activity_sync_session, activity_update
from tremplin.beneficiaries import services as beneficiary_services
from tremplin.diagnostics import services as diagnostic_services
from tremplin.mandates.enums import Category, Outcome
from tremplin.mandates.services import mandate_use
from tremplin.referrals.services import referral_create
from tremplin.workshops.enums import Attendance
from tremplin.workshops.services import attendance_record

pytestmark = pytest.mark.django_db

ADMIN = Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES


@pytest.fixture
def world():
    return make_world()


def record(world, by=None, **overrides):
    fields = {
        "date": timezone.localdate(),
        "duration_minutes": 30,
        "place_type": PlaceType.ACTIVITY_PLACE,
        "site": world.o1,
        "themes": [Thematique.EMAIL],
    }
    fields.update(overrides)
    return activity_record(by=by or world.users.mediator, **fields)


def faults(world, **overrides) -> dict:
    with pytest.raises(ValidationError) as caught:
        record(world, **overrides)
    assert not Activity.objects.exists()
    return caught.value.message_dict


# --- activity_record's rules ---------------------------------------------------------------------------------------


def test_a_complete_accompaniment_is_recorded_where_it_took_place(world):
    person = world.people.at_o1
    activity = record(world, beneficiary=person, equipment=["telephone"], autonomy="autonome")
    assert (activity.kind, activity.mediator, activity.organisation) == (
        Kind.INDIVIDUAL,
        world.users.mediator,
        world.la_poste,
    )
    assert (activity.commune, activity.departement_id) == (world.o1.commune, "22")
    row = Participant.objects.get()
    assert (row.beneficiary, row.date, row.kind, row.mediator, row.departement_id) == (
        person,
        activity.date,
        Kind.INDIVIDUAL,
        world.users.mediator,
        "22",
    )
    assert activity.anonymous_count == 0


def test_administrative_themes_only_with_the_administrative_theme(world):
    assert "admin_themes" in faults(world, themes=[Thematique.EMAIL], admin_themes=["logement"])
    assert "admin_themes" in faults(world, themes=[Thematique.EMAIL], procedure="Demande de carte grise")
    activity = record(world, themes=[ADMIN], admin_themes=["logement"], procedure="  Demande   d'APL ")
    assert (activity.admin_themes, activity.procedure) == (["logement"], "Demande d'APL")
    assert list(Activity.objects.with_theme("logement")) == [activity]


def test_at_least_one_known_theme(world):
    assert faults(world, themes=[])["themes"] == ["Cochez au moins une thématique."]
    assert "themes" in faults(world, themes=["cuisine"])


def test_a_referral_needs_the_kind_of_structure(world):
    assert "structure_kind" in faults(world, referred=True)
    assert "structure_kind" in faults(world, referred=True, structure_kind="boulangerie")
    activity = record(world, referred=True, structure_kind=StructureKind.SOCIAL_AID)
    assert activity.structure_kind == StructureKind.SOCIAL_AID
    # Not referred: a structure kind left over from the form is dropped.
    assert record(world, referred=False, structure_kind=StructureKind.OTHER).structure_kind == ""


def test_the_place_of_activity_needs_a_site_and_home_needs_a_commune(world):
    assert faults(world, site=None)["site"] == ["Indiquez le lieu d'activité."]
    assert "commune" in faults(world, place_type=PlaceType.HOME, site=None)
    assert "commune" in faults(world, place_type=PlaceType.OTHER, site=None)
    assert "place_type" in faults(world, place_type="")
    commune = CommuneFactory(departement=world.o3.commune.departement)
    activity = record(world, place_type=PlaceType.HOME, site=None, commune=commune)
    assert (activity.commune, activity.departement_id) == (commune, "29")
    # At a distance: counted where the mediator works (their sites are in the 22), at no site.
    remote = record(world, place_type=PlaceType.REMOTE, site=None)
    assert (remote.site, remote.departement_id) == (None, "22")
    assert remote.commune in (world.o1.commune, world.o2.commune)


def test_a_site_that_is_not_one_of_the_mediators_is_refused(world):
    assert "site" in faults(world, site=world.o3)


@pytest.mark.parametrize(
    "date",
    [datetime.date(2019, 12, 31), "tomorrow", None],
)
def test_the_date_is_between_2020_and_today(world, date):
    if date == "tomorrow":
        date = timezone.localdate() + datetime.timedelta(days=1)
    assert "entre le 01/01/2020 et aujourd'hui" in faults(world, date=date)["date"][0]


def test_the_date_bounds_are_included(world):
    assert record(world, date=datetime.date(2020, 1, 1)).pk
    assert record(world, date=timezone.localdate()).pk


@pytest.mark.parametrize("minutes", [0, None, 24 * 60 + 1, True])
def test_the_duration_is_between_one_minute_and_a_day(world, minutes):
    assert faults(world, duration_minutes=minutes)["duration_minutes"] == [
        "Indiquez une durée, entre 1 minute et 24 heures."
    ]


def test_every_fault_is_reported_at_once(world):
    errors = faults(world, date=datetime.date(2019, 1, 1), duration_minutes=0, themes=[], referred=True, site=None)
    assert set(errors) == {"date", "duration_minutes", "themes", "structure_kind", "site"}


def test_an_anonymous_accompaniment_counts_one_person_without_a_record(world):
    activity = record(world, anonymous_count=7)  # whatever was sent: one person
    assert (activity.anonymous_count, activity.participants.count()) == (1, 0)
    named = record(world, beneficiary=world.people.at_o1, anonymous_count=3)
    assert named.anonymous_count == 0


def test_an_anonymous_accompaniment_keeps_what_is_known_of_the_person(world):
    activity = record(world, anonymous_count=1, anonymous_breakdown={"genre": {"feminin": 1}})
    assert activity.anonymous_breakdown == {"genre": {"feminin": 1}}


def test_an_anonymous_accompaniment_breakdown_needs_no_head_count(world):
    activity = record(world, anonymous_breakdown={"genre": {"feminin": 1}})
    assert activity.anonymous_breakdown == {"genre": {"feminin": 1}}


def test_a_workshop_breakdown_may_not_exceed_its_head_count(world):
    fields = {"kind": Kind.COLLECTIVE, "title": "Découvrir la tablette", "anonymous_count": 3}
    errors = faults(world, **fields, anonymous_breakdown={"genre": {"feminin": 2, "masculin": 2}})
    assert "plus de personnes (4) que de participants anonymes (3)" in errors["anonymous_breakdown"][0]
    assert "anonymous_breakdown" in faults(world, **fields, anonymous_breakdown={"genre": {"autre": 1}})
    assert "anonymous_breakdown" in faults(world, **fields, anonymous_breakdown={"genre": {"feminin": -1}})
    assert "anonymous_count" in faults(world, kind=Kind.COLLECTIVE, title="Atelier", anonymous_count=1001)
    assert "anonymous_count" in faults(world, kind=Kind.COLLECTIVE, title="Atelier")  # nobody came
    activity = record(
        world,
        **fields,
        participants=[world.people.at_o1, world.people.at_o2],
        anonymous_breakdown={"genre": {"feminin": 2, "masculin": 1}, "tranche_age": {"soixante_dix_plus": 3}},
    )
    assert activity.anonymous_count == 3 and activity.participants.count() == 2


def test_people_of_another_organisation_are_refused(world):
    errors = faults(world, beneficiary=world.people.at_p1)
    assert "suivie par une autre organisation" in " ".join(errors["beneficiary"])
    errors = faults(world, kind=Kind.COLLECTIVE, title="Atelier", participants=[world.people.at_o1, world.people.at_p1])
    assert "autre organisation" in " ".join(errors["beneficiary"])


def test_people_outside_the_viewers_scope_are_refused(world):
    # Same organisation, another site: the mediator of o1 and o2 does not follow the person of o3.
    errors = faults(world, beneficiary=world.people.at_o3)
    assert errors["beneficiary"] == ["Une des personnes n'est pas suivie par votre équipe."]


def test_an_individual_accompaniment_is_for_one_person(world):
    errors = faults(world, participants=[world.people.at_o1, world.people.at_o2])
    assert "une seule personne" in errors["beneficiary"][0]


def test_roles_that_do_not_record(world):
    for user in (world.users.counter, world.users.national, world.users.admin):
        with pytest.raises(ValidationError):
            record(world, by=user)
    assert not Activity.objects.exists()


# --- the session's record ------------------------------------------------------------------------------------------


@pytest.fixture
def held(world):
    start = timezone.now() - datetime.timedelta(hours=2)
    session = SessionFactory(
        site=world.o1, mediator=world.users.mediator, starts_at=start, ends_at=start + datetime.timedelta(minutes=90)
    )
    registrations = [
        RegistrationFactory(session=session, beneficiary=person)
        for person in (world.people.at_o1, world.people.at_o2, BeneficiaryFactory(organisation=world.la_poste))
    ]
    return session, registrations


def test_the_session_record_counts_the_present_people_only(world, held):
    session, (anne, bruno, third) = held
    assert activity_sync_session(session=session) is None  # nobody marked yet: no record
    attendance_record(
        session=session,
        marks={
            anne.pk: (Attendance.PRESENT, ""),
            bruno.pk: (Attendance.ABSENT, ""),
            third.pk: (Attendance.EXCUSED, ""),
        },
        by=world.users.mediator,
    )
    activity = Activity.objects.get(session=session)
    assert (activity.kind, activity.title, activity.duration_minutes, activity.mediator) == (
        Kind.COLLECTIVE,
        session.programme.title,
        90,
        world.users.mediator,
    )
    assert [p.beneficiary for p in activity.participants.all()] == [world.people.at_o1]
    assert activity.themes == [session.programme.theme] and activity.site == world.o1


def test_the_session_record_follows_each_change_of_the_sheet(world, held):
    session, (anne, bruno, _third) = held
    attendance_record(session=session, marks={anne.pk: (Attendance.PRESENT, "")}, by=world.users.mediator)
    activity = Activity.objects.get(session=session)
    activity_update(activity=activity, by=world.users.mediator, anonymous_count=2, equipment=["tablette"])
    attendance_record(
        session=session,
        marks={anne.pk: (Attendance.ABSENT, ""), bruno.pk: (Attendance.PRESENT, "")},
        by=world.users.mediator,
    )
    activity.refresh_from_db()
    assert [p.beneficiary for p in activity.participants.all()] == [world.people.at_o2]
    assert (activity.anonymous_count, activity.equipment) == (2, ["tablette"])  # the mediator's additions stay
    assert Activity.objects.filter(session=session).count() == 1


def test_a_session_record_keeps_its_people_when_corrected(world, held):
    session, (anne, _bruno, _third) = held
    attendance_record(session=session, marks={anne.pk: (Attendance.PRESENT, "")}, by=world.users.mediator)
    activity = Activity.objects.get(session=session)
    activity_update(
        activity=activity, by=world.users.mediator, participants=[world.people.at_o2], themes=[Thematique.SANTE]
    )
    assert [p.beneficiary for p in activity.participants.all()] == [world.people.at_o1]


# --- the timeline records written by the other services ------------------------------------------------------------


def kinds_of(person) -> list[str]:
    return [entry.kind for entry in selectors.person_timeline(person)]


def test_a_diagnostic_is_a_timeline_record(world):
    person = world.people.at_o1
    diagnostic = diagnostic_services.diagnostic_create(
        beneficiary=person, performed_by=world.users.mediator, internet_last_3_months=False, site=world.o1
    )
    activity = Activity.objects.get(diagnostic=diagnostic)
    assert (activity.kind, activity.mediator, activity.site, activity.themes) == (
        Kind.DIAGNOSTIC,
        world.users.mediator,
        world.o1,
        [Thematique.DIAGNOSTIC_NUMERIQUE],
    )
    assert kinds_of(person) == [Kind.DIAGNOSTIC]


def test_a_screening_is_recorded_then_attached_to_the_person(world):
    counter = world.users.counter
    walk_in = diagnostic_services.screening_create(
        performed_by=counter,
        organisation=world.la_poste,
        site=world.o1,
        used_internet=False,
        has_email=False,
        struggles_online=True,
        has_device=True,
    )
    activity = Activity.objects.get(screening=walk_in)
    assert (activity.kind, activity.anonymous_count, activity.participants.count()) == (Kind.SCREENING, 1, 0)
    person = world.people.at_o1
    diagnostic_services.screening_attach(screening=walk_in, beneficiary=person)
    activity.refresh_from_db()
    assert (activity.anonymous_count, [p.beneficiary for p in activity.participants.all()]) == (0, [person])
    assert Activity.objects.filter(screening=walk_in).count() == 1
    assert kinds_of(person) == [Kind.SCREENING]
    named = diagnostic_services.screening_create(
        performed_by=counter,
        organisation=world.la_poste,
        site=world.o1,
        beneficiary=world.people.at_o2,
        used_internet=True,
        has_email=True,
        struggles_online=False,
        has_device=True,
    )
    assert Activity.objects.get(screening=named).participants.get().beneficiary == world.people.at_o2


def test_a_referral_is_a_timeline_record(django_capture_on_commit_callbacks):
    referral_world = make_referral_world()
    with django_capture_on_commit_callbacks(execute=True):
        referral = referral_create(
            beneficiary=referral_world.person,
            place=referral_world.place,
            service=SERVICE,
            reason="Demande de RSA",
            by=referral_world.mediator,
        )
    activity = Activity.objects.get(referral=referral)
    assert (activity.kind, activity.referred, activity.mediator, activity.organisation) == (
        Kind.REFERRAL,
        True,
        referral_world.mediator,
        referral_world.laposte,
    )
    assert activity.site == referral_world.o1  # counted where the person is followed
    timeline = selectors.person_timeline(referral_world.person, referral_world.mediator)
    assert [e.kind for e in timeline] == [Kind.REFERRAL]
    assert timeline[0].label == "Orientation vers Clic Lannion" and timeline[0].url == f"/orientations/{referral.pk}/"


def test_a_demarche_under_a_mandate_is_a_timeline_record(world):
    person = world.people.at_o1
    mediator = habilitated(world.users.mediator)
    mandate = MandateFactory(beneficiary=person, categories=[Category.HOUSING])
    use = mandate_use(
        mandate=mandate,
        category=Category.HOUSING,
        procedure="Demande d'APL sur caf.fr",
        outcome=Outcome.DONE,
        by=mediator,
        second_factor_at=timezone.now(),
    )
    activity = Activity.objects.get(mandate_use=use)
    assert (activity.kind, activity.themes, activity.admin_themes, activity.procedure) == (
        Kind.MANDATE_USE,
        [ADMIN],
        ["logement"],
        "Demande d'APL sur caf.fr",
    )
    timeline = selectors.person_timeline(person, mediator)
    assert [e.kind for e in timeline] == [Kind.MANDATE_USE]
    assert timeline[0].url == f"/mandats/{mandate.pk}/"


def test_the_timeline_is_newest_first_with_bounded_queries(world, django_assert_max_num_queries):
    person = world.people.at_o1
    for days in (30, 10, 20):
        record(world, beneficiary=person, date=timezone.localdate() - datetime.timedelta(days=days))
    ScreeningFactory(beneficiary=person)
    from tremplin.activities.services import activity_for_source

    activity_for_source(source=person.screenings.get())
    with django_assert_max_num_queries(1):  # the rows, with what the viewer may open (subqueries)
        timeline = selectors.person_timeline(person, world.users.mediator)
    assert [e.date for e in timeline] == sorted((e.date for e in timeline), reverse=True)
    assert [e.kind for e in timeline] == [Kind.SCREENING, Kind.INDIVIDUAL, Kind.INDIVIDUAL, Kind.INDIVIDUAL]
    assert all(e.url for e in timeline) and timeline[1].mediator == world.users.mediator.get_full_name()
    assert all(e.url is None for e in selectors.person_timeline(person, world.users.partner))


# --- merges and deletions of people --------------------------------------------------------------------------------


def test_a_merge_moves_the_participations_to_the_kept_record(world):
    kept = world.people.at_o1
    duplicate = BeneficiaryFactory(organisation=world.la_poste, site=world.o1, first_name="Anne")
    record(world, beneficiary=kept)
    record(world, beneficiary=duplicate, date=timezone.localdate() - datetime.timedelta(days=3))
    beneficiary_services.beneficiary_merge(kept=kept, duplicate=duplicate, by=world.users.mediator)
    assert Participant.objects.filter(beneficiary=kept).count() == 2
    assert not Participant.objects.filter(beneficiary=duplicate).exists()
    assert Participant.objects.people() == 1  # one person, counted once
    assert len(selectors.person_timeline(kept)) == 2


def test_an_anonymised_person_still_counts(world):
    person = world.people.at_o1
    record(world, beneficiary=person)
    beneficiary_services.beneficiary_anonymise(beneficiary=person, by=world.users.mediator)
    row = Participant.objects.get()
    assert row.beneficiary_id == person.pk and Participant.objects.people() == 1
    assert Activity.objects.get().participants.count() == 1


def test_a_mediator_who_left_keeps_their_records(world):
    leaving = UserFactory(mediator=True, organisation=world.la_poste, sites=[world.o1])
    activity = record(world, by=leaving, beneficiary=world.people.at_o1)
    leaving.delete()
    activity.refresh_from_db()
    assert activity.mediator is None and Participant.objects.get().mediator is None
