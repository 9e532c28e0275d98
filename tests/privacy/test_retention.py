"""The retention periods of docs/RGPD.md, enforced by `apply_retention`: people without activity for the period are
anonymised (and only they), expired keys, links, logs and old message contents go, the mandate journal stays intact,
every run is journaled and idempotent, the daily run happens once a day, and the statistics keep the same totals."""

import datetime
import io
import re

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tests.activities.factories import ActivityFactory
from tests.beneficiaries.factories import BeneficiaryFactory, ConsentFactory, ScreeningFactory
from tests.beneficiaries.worlds import make_world
from tests.factories import UserFactory
from tests.mandates.factories import MandateFactory
from tests.referrals.factories import PlaceFactory
from tests.workshops.factories import RegistrationFactory, SessionFactory
from tremplin.accounts.enums import SecurityAction
from tremplin.accounts.models import ApiToken, SecurityEvent
from tremplin.accounts.tokens import api_token_create
from tremplin.beneficiaries.enums import AccessPurpose, AgeBand, Gender, JournalAction, SocialStatus
from tremplin.beneficiaries.models import AccessLog, Beneficiary
from tremplin.mandates import journal as mandate_journal
from tremplin.mandates.enums import JournalAction as MandateAction
from tremplin.mandates.models import IdentityCheck, Mandate
from tremplin.mandates.models import JournalEntry as MandateJournalEntry
from tremplin.notifications.enums import ContactChannel, NotificationKind, NotificationStatus
from tremplin.notifications.models import Notification
from tremplin.privacy import retention
from tremplin.privacy.enums import ErasureReason
from tremplin.privacy.models import RetentionRun
from tremplin.referrals.enums import Status as ReferralStatus
from tremplin.referrals.models import Referral
from tremplin.reporting import aggregates, stats
from tremplin.reporting.filters import StatsFilters
from tremplin.reporting.models import ShareLink
from tremplin.workshops.models import Registration
from tremplin.www.reporting import public

pytestmark = pytest.mark.django_db

NOW = timezone.now()
LONG_AGO = NOW - datetime.timedelta(days=4 * 365)  # beyond the 3 years of TREMPLIN_RETENTION_INACTIVE_DAYS
LATELY = NOW - datetime.timedelta(days=200)  # inside it


def _aged(person, when=LONG_AGO):
    """Created and last changed `when` (updated_at is set by every save: written afterwards)."""
    Beneficiary.objects.filter(pk=person.pk).update(created_at=when, updated_at=when)
    person.refresh_from_db()
    return person


def _person(world, site, name, when=LONG_AGO, **kwargs):
    """A person of La Poste, woman of 70+, retired (never the defaults: an anonymisation that lost them shows)."""
    defaults = {"gender": Gender.FEMALE, "social_status": SocialStatus.RETIRED, "birth_year": 1950}
    person = BeneficiaryFactory(
        organisation=site.organisation or world.la_poste,
        site=site,
        first_name=name,
        mobile_phone="0612345678",
        **(defaults | kwargs),
    )
    return _aged(person, when)


def _accompanied(world, site, people, when):
    ActivityFactory(organisation=people[0].organisation, site=site, date=timezone.localtime(when).date(), people=people)


@pytest.fixture
def world():
    """Old people (seen 4 years ago only) and recent ones (seen 200 days ago), in both départements."""
    world = make_world()
    world.old = [
        _person(world, world.o1, "Albane"),
        _person(world, world.o3, "Bertille", gender=Gender.MALE, social_status=SocialStatus.EMPLOYED, birth_year=1980),
        _person(world, world.p1, "Coralie"),
    ]
    world.recent = [
        _person(world, world.o1, "Daphné", when=LONG_AGO),  # created long ago, seen lately: kept
        _person(world, world.o2, "Eudes", when=LATELY),
    ]
    for person in world.old:
        _accompanied(world, person.site, [person], LONG_AGO)
    for person in world.recent:
        _accompanied(world, person.site, [person], LONG_AGO)
        _accompanied(world, person.site, [person], LATELY)
    _accompanied(world, world.o1, world.old[:1] + world.recent[:1], LONG_AGO)  # a collective one, both of them
    return world


def _totals(world) -> dict:
    """Every total a dashboard shows, as the stats core counts them (and, on PostgreSQL, the pre-aggregated tables),
    plus the public statistics page's figures."""
    month_start = timezone.localdate().replace(day=1)
    five_years = StatsFilters(date_from=month_start.replace(year=month_start.year - 5))
    viewers = [public.NationalScope(), world.users.national, world.users.coordinator_22, world.users.partner]
    totals = {}
    for index, viewer in enumerate(viewers):
        for name, filters in (("all", StatsFilters()), ("five_years", five_years)):
            totals[f"summary:{index}:{name}"] = stats.summary(viewer, filters)
            totals[f"map:{index}:{name}"] = stats.by_departement(viewer, filters)
    totals["table"] = stats.people_table(public.NationalScope(), five_years, "age_band", "gender")
    cache.delete(public.CACHE_KEY)
    page = public._national_page_data()
    totals["public"] = (page["figures"], page["choropleth"])
    return totals


def _statistics(world) -> dict:
    if aggregates.enabled():
        aggregates.rebuild()
        fast = _totals(world)
        with aggregates.disabled():
            assert _totals(world) == fast  # both paths agree, before as after
        return fast
    return _totals(world)


def test_inactive_people_are_anonymised_and_the_statistics_keep_the_same_totals(world):
    before = _statistics(world)
    assert before["summary:0:all"].unique_beneficiaries == 5  # 3 old, 2 recent (make_world's people: no activity)
    assert before["summary:0:all"].by_age_band[AgeBand.SEVENTY_PLUS] == 4

    run = retention.retention_apply()

    assert run.counts["people_anonymised"] == 3 and run.finished_at is not None
    for person in world.old:
        person.refresh_from_db()
        assert person.anonymised_at is not None
        assert (person.first_name, person.last_name, person.mobile_phone, person.birth_year) == ("", "", "", None)
    assert world.old[1].gender == Gender.MALE and world.old[1].social_status == SocialStatus.EMPLOYED
    assert world.old[1].age_band == AgeBand.FORTY_FIFTY_NINE and world.old[0].commune_id is not None
    for person in world.recent + list(Beneficiary.objects.filter(created_at__gt=LATELY)):
        person.refresh_from_db()
        assert person.anonymised_at is None and person.first_name
    assert _statistics(world) == before


def test_the_anonymisation_is_journaled_by_no_one_with_its_reason(world):
    retention.retention_apply()
    entry = world.old[0].journal.get(action=JournalAction.ANONYMISED)
    assert entry.actor is None
    assert entry.details == {"reason": ErasureReason.RETENTION, "inactive_days": 3 * 365}
    run = RetentionRun.objects.get()
    assert run.actor == "retention" and not run.dry_run and run.counts["people_anonymised"] == 3


def test_a_second_run_finds_nothing_left_and_a_dry_run_changes_nothing(world):
    dry = retention.retention_apply(dry_run=True)
    assert dry.counts["people_anonymised"] == 3
    assert Beneficiary.objects.filter(anonymised_at__isnull=False).count() == 0
    first = retention.retention_apply()
    assert first.counts == dry.counts
    second = retention.retention_apply()
    assert set(second.counts.values()) == {0}


def test_people_are_anonymised_by_batches(world, settings):
    settings.TREMPLIN_RETENTION_BATCH_SIZE = 1
    more = [_person(world, world.o2, f"Garance{n}") for n in range(3)]
    assert retention.retention_apply().counts["people_anonymised"] == 6
    assert all(person.anonymised_at for person in Beneficiary.objects.filter(pk__in=[p.pk for p in more]))


def test_inactivity_period_is_a_setting(world, settings):
    settings.TREMPLIN_RETENTION_INACTIVE_DAYS = 5 * 365
    assert retention.retention_apply().counts["people_anonymised"] == 0


def _old_registration(person, world):
    """A booking made for a session held long ago."""
    session = SessionFactory(site=world.o1, starts_at=LONG_AGO, ends_at=LONG_AGO + datetime.timedelta(hours=2))
    registration = RegistrationFactory(session=session, beneficiary=person)
    Registration.objects.filter(pk=registration.pk).update(created_at=LONG_AGO)
    return registration


def _recent_trace(kind, person, world):
    """One trace of activity of `person`, 200 days ago (or, for a session, still to come)."""
    if kind == "record_changed":
        Beneficiary.objects.filter(pk=person.pk).update(updated_at=LATELY)
    elif kind == "consent":
        ConsentFactory(beneficiary=person, recorded_at=LATELY)
    elif kind == "screening":
        ScreeningFactory(beneficiary=person, performed_at=LATELY)
    elif kind == "booking_for_a_coming_session":
        session = SessionFactory(site=world.o1, starts_at=NOW + datetime.timedelta(days=9))
        registration = RegistrationFactory(session=session, beneficiary=person)
        Registration.objects.filter(pk=registration.pk).update(created_at=LONG_AGO)
    elif kind == "open_referral":
        Referral.objects.create(
            beneficiary=person,
            from_organisation=person.organisation,
            referred_by=world.users.mediator,
            place=PlaceFactory(),
            service="aide_aux_demarches",
            reason="Logement",
            created_at=LONG_AGO,
            link_nonce="n",
        )
    elif kind == "valid_mandate":
        mandate = MandateFactory(beneficiary=person, created_at=LONG_AGO)
        IdentityCheck.objects.filter(pk=mandate.identity_check_id).update(checked_at=LONG_AGO)
    elif kind == "message":
        Notification.objects.create(
            registration=_old_registration(person, world),
            beneficiary=person,
            kind=NotificationKind.CONFIRMATION,
            channel=ContactChannel.SMS,
            status=NotificationStatus.SENT,
            created_at=LATELY,
        )
        Beneficiary.objects.filter(pk=person.pk).update(updated_at=LONG_AGO)


TRACES = [
    "record_changed",
    "consent",
    "screening",
    "booking_for_a_coming_session",
    "open_referral",
    "valid_mandate",
    "message",
]


@pytest.mark.parametrize("kind", TRACES)
def test_any_recent_trace_keeps_a_person(world, kind):
    person = world.old[0]
    _recent_trace(kind, person, world)
    assert retention.retention_apply().counts["people_anonymised"] == 2
    person.refresh_from_db()
    assert person.anonymised_at is None


def test_an_anonymised_persons_messages_are_forgotten(world):
    person = world.old[0]
    Notification.objects.create(
        registration=_old_registration(person, world),
        beneficiary=person,
        kind=NotificationKind.CONFIRMATION,
        channel=ContactChannel.LETTER,
        status=NotificationStatus.TO_PRINT,  # still to print: only the anonymisation forgets it
        recipient="Albane\n1 rue des Lilas",
        body="<p>Bonjour Albane</p>",
        created_at=LONG_AGO,
    )
    Beneficiary.objects.filter(pk=person.pk).update(updated_at=LONG_AGO)
    assert retention.retention_apply().counts["people_anonymised"] == 3
    message = Notification.objects.get(beneficiary=person)
    assert (message.recipient, message.body, message.status) == ("", "", NotificationStatus.FAILED)


def test_the_mandate_journal_is_never_touched(world):
    mandate = MandateFactory(beneficiary=world.old[0], expired=True, created_at=LONG_AGO)
    ended = LONG_AGO + datetime.timedelta(days=1)
    Mandate.objects.filter(pk=mandate.pk).update(starts_at=LONG_AGO, ends_at=ended, ended_at=ended)
    IdentityCheck.objects.filter(pk=mandate.identity_check_id).update(checked_at=LONG_AGO)
    for action in (MandateAction.MANDATE_CREATED, MandateAction.MANDATE_EXPIRED):
        mandate_journal.append(
            action=action, mandate=mandate, beneficiary_id=world.old[0].pk, organisation_id=mandate.organisation_id
        )
    entries = list(MandateJournalEntry.objects.values_list("pk", "hash"))
    assert retention.retention_apply().counts["people_anonymised"] == 3  # the expired mandate ended long ago
    assert list(MandateJournalEntry.objects.values_list("pk", "hash")) == entries
    assert mandate_journal.verify().intact


def test_expired_keys_links_logs_and_old_contents_are_purged_and_recent_ones_kept(world):
    user = world.users.mediator
    old_token, _ = api_token_create(user=user, label="ancien")
    revoked_token, _ = api_token_create(user=user, label="révoqué")
    live_token, _ = api_token_create(user=user, label="en service")
    ApiToken.objects.filter(pk=old_token.pk).update(expires_at=NOW - datetime.timedelta(days=31))
    ApiToken.objects.filter(pk=revoked_token.pk).update(revoked_at=NOW - datetime.timedelta(days=40))
    links = {
        "expired": NOW - datetime.timedelta(days=31),
        "revoked": None,
        "recently_expired": NOW - datetime.timedelta(days=2),
        "live": NOW + datetime.timedelta(days=30),
    }
    made = {
        key: ShareLink.objects.create(label=key, created_by=world.users.national, expires_at=expires or NOW)
        for key, expires in links.items()
    }
    ShareLink.objects.filter(pk=made["revoked"].pk).update(revoked_at=NOW - datetime.timedelta(days=60))
    person = world.recent[1]
    old_log = AccessLog.objects.create(beneficiary=person, user=user, purpose=AccessPurpose.RECORD)
    AccessLog.objects.filter(pk=old_log.pk).update(at=NOW - datetime.timedelta(days=400))
    new_log = AccessLog.objects.create(beneficiary=person, user=user, purpose=AccessPurpose.RECORD)
    old_event = SecurityEvent.objects.create(user=user, action=SecurityAction.CODE_REFUSED, ip_address="192.0.2.1")
    SecurityEvent.objects.filter(pk=old_event.pk).update(at=NOW - datetime.timedelta(days=400))
    new_event = SecurityEvent.objects.create(user=user, action=SecurityAction.CODE_REFUSED)
    registration = RegistrationFactory(beneficiary=person, session=SessionFactory(site=world.o2))
    messages = {
        status: Notification.objects.create(
            registration=registration,
            beneficiary=person,
            kind=NotificationKind.CONFIRMATION,
            channel=ContactChannel.SMS,
            status=status,
            recipient="0612345678",
            body="Bonjour Eudes",
            created_at=NOW - datetime.timedelta(days=200),
        )
        for status in (NotificationStatus.SENT, NotificationStatus.TO_CALL)
    }
    fresh = Notification.objects.create(
        registration=registration,
        beneficiary=person,
        kind=NotificationKind.REMINDER,
        channel=ContactChannel.SMS,
        status=NotificationStatus.SENT,
        recipient="0612345678",
        body="Rappel",
    )
    referral = Referral.objects.create(
        beneficiary=person,
        from_organisation=person.organisation,
        referred_by=user,
        place=PlaceFactory(),
        service="aide_aux_demarches",
        reason="Logement",
        note="Malvoyante",
        status=ReferralStatus.SEEN,
        closed_at=NOW - datetime.timedelta(days=400),
        link_nonce="n",
    )
    expired_session = SessionStore()
    expired_session.create()
    Session.objects.filter(session_key=expired_session.session_key).update(expire_date=NOW - datetime.timedelta(days=1))
    live_session = SessionStore()
    live_session.create()

    run = retention.retention_apply()

    assert set(ApiToken.objects.values_list("label", flat=True)) == {"en service"}
    assert set(ShareLink.objects.values_list("label", flat=True)) == {"recently_expired", "live"}
    assert list(AccessLog.objects.filter(beneficiary=person).values_list("pk", flat=True)) == [new_log.pk]
    assert list(SecurityEvent.objects.filter(user=user).values_list("pk", flat=True)) == [new_event.pk]
    sent, to_call = (Notification.objects.get(pk=messages[s].pk) for s in messages)
    assert (sent.recipient, sent.body, sent.status) == ("", "", NotificationStatus.SENT)
    assert (to_call.recipient, to_call.body) == ("0612345678", "Bonjour Eudes")  # still to be called
    assert Notification.objects.get(pk=fresh.pk).body == "Rappel"
    referral.refresh_from_db()
    assert (referral.note, referral.reason, referral.status) == ("", "Logement", ReferralStatus.SEEN)
    assert not Session.objects.filter(session_key=expired_session.session_key).exists()
    assert Session.objects.filter(session_key=live_session.session_key).exists()
    assert run.counts["api_tokens_deleted"] == 2 and run.counts["share_links_deleted"] == 2
    assert run.counts["message_contents_forgotten"] == 1 and run.counts["referral_texts_forgotten"] == 1
    assert run.counts["access_logs_deleted"] == 1 and run.counts["security_logs_deleted"] == 1
    assert set(retention.retention_apply().counts.values()) == {0}


def test_the_command_prints_a_french_summary_and_the_daily_run_happens_once_a_day(world):
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert out.getvalue().startswith("Simulation, rien n'a été modifié. Seraient traités : 3 personnes anonymisées, ")
    assert Beneficiary.objects.filter(anonymised_at__isnull=False).count() == 0
    out = io.StringIO()
    call_command("apply_retention", "--daily", stdout=out)
    assert out.getvalue().startswith("3 personnes anonymisées, 0 clé d'API expirée supprimée, ")
    out = io.StringIO()
    call_command("apply_retention", "--daily", stdout=out)
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert out.getvalue().strip() == f"La conservation des données est déjà passée le {today}. Rien à faire."
    assert RetentionRun.objects.filter(daily=True).count() == 1
    out = io.StringIO()
    call_command("apply_retention", stdout=out)  # by hand: always runs
    assert re.match(r"0 personne anonymisée, ", out.getvalue())
    assert RetentionRun.objects.count() == 3


def test_the_dashboard_figures_of_the_coordinator_stay_after_retention_on_postgresql_aggregates(world):
    """On PostgreSQL the worker's incremental path (pending changes folded in), not a rebuild, after the run."""
    if connection.vendor != "postgresql":
        pytest.skip("agrégats : PostgreSQL seulement (SQLite compte directement)")
    aggregates.rebuild()
    viewer, filters = world.users.coordinator_22, StatsFilters()
    before = stats.summary(viewer, filters)
    retention.retention_apply()
    aggregates.refresh()
    assert stats.summary(viewer, filters) == before
    with aggregates.disabled():
        assert stats.summary(viewer, filters) == before


def test_staff_accounts_are_left_alone(world):
    idle = UserFactory(mediator=True, organisation=world.la_poste)
    idle.__class__.objects.filter(pk=idle.pk).update(last_login=LONG_AGO, date_joined=LONG_AGO)
    retention.retention_apply()
    assert idle.__class__.objects.filter(pk=idle.pk, is_active=True).exists()
