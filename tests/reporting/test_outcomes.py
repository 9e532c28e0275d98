"""Outcomes: people who left illectronisme, workshops' fill and no-show rates, referrals by outcome — scoped like the
activities."""

import datetime

import pytest
from django.utils import timezone

from tests.beneficiaries.factories import BeneficiaryFactory, DiagnosticFactory
from tests.factories import CommuneFactory, DepartementFactory, SiteFactory, UserFactory
from tests.referrals.factories import SERVICE, make_world
from tests.workshops.factories import RegistrationFactory, SessionFactory
from tremplin.activities.services import activity_for_source
from tremplin.beneficiaries.services import beneficiary_merge
from tremplin.diagnostics.enums import InseeClass
from tremplin.referrals import services as referral_services
from tremplin.reporting import outcomes
from tremplin.reporting.filters import StatsFilters
from tremplin.workshops.enums import Attendance

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def world():
    w = make_world()
    w.d22 = w.commune.departement
    w.d93 = DepartementFactory(code="93")
    w.site93 = SiteFactory(organisation=w.laposte, commune=CommuneFactory(departement=w.d93, code_insee="93001"))
    w.mediator93 = UserFactory(mediator=True, organisation=w.laposte, sites=[w.site93])
    w.national = UserFactory(national=True, organisation=w.laposte)
    w.coordinator22 = UserFactory(coordinator=True, organisation=w.laposte, departements=[w.d22])
    return w


def diagnose(person, by, days_ago, *, illectronic=False, autonomous=False):
    diagnostic = DiagnosticFactory(
        beneficiary=person,
        performed_by=by,
        performed_at=NOW - datetime.timedelta(days=days_ago),
        illectronic=illectronic,
        autonomous=autonomous,
    )
    activity_for_source(source=diagnostic)
    return diagnostic


def test_before_after_counts_who_left_illectronisme(world):
    site, mediator = world.o1, world.mediator
    left = BeneficiaryFactory(organisation=world.laposte, site=site)
    stayed = BeneficiaryFactory(organisation=world.laposte, site=site)
    once = BeneficiaryFactory(organisation=world.laposte, site=site)
    started_fine = BeneficiaryFactory(organisation=world.laposte, site=site)
    assert diagnose(left, mediator, 60, illectronic=True).insee == InseeClass.ILLECTRONISME
    diagnose(left, mediator, 30, illectronic=True)
    assert diagnose(left, mediator, 5, autonomous=True).insee == InseeClass.AUTONOMOUS
    diagnose(stayed, mediator, 40, illectronic=True)
    diagnose(stayed, mediator, 3, illectronic=True)
    diagnose(once, mediator, 10, illectronic=True)
    diagnose(started_fine, mediator, 50)
    diagnose(started_fine, mediator, 2, illectronic=True)
    result = outcomes.before_after(world.national, StatsFilters())
    assert result.followed == 3
    assert result.started_in_illectronisme == 2
    assert result.left_illectronisme == 1
    assert result.share == 0.5
    # The period chooses the diagnostics: from 35 days ago, `left` has one illectronic then one autonomous, and
    # `stayed` and `started_fine` only one diagnostic each.
    recent = outcomes.before_after(
        world.national, StatsFilters(date_from=timezone.localdate() - datetime.timedelta(days=35))
    )
    assert (recent.followed, recent.started_in_illectronisme, recent.left_illectronisme) == (1, 1, 1)


def test_before_after_is_scoped_and_follows_merges(world):
    here = BeneficiaryFactory(organisation=world.laposte, site=world.o1)
    there = BeneficiaryFactory(organisation=world.laposte, site=world.site93)
    diagnose(here, world.mediator, 20, illectronic=True)
    diagnose(there, world.mediator93, 20, illectronic=True)
    duplicate = BeneficiaryFactory(organisation=world.laposte, site=world.o1)
    diagnose(duplicate, world.mediator, 5, autonomous=True)
    assert outcomes.before_after(world.national, StatsFilters()).followed == 0
    beneficiary_merge(kept=here, duplicate=duplicate, by=world.mediator)
    assert outcomes.before_after(world.national, StatsFilters()).left_illectronisme == 1
    assert outcomes.before_after(world.coordinator22, StatsFilters()).left_illectronisme == 1
    assert outcomes.before_after(world.mediator93, StatsFilters()).started_in_illectronisme == 0
    assert outcomes.before_after(world.national, StatsFilters(departement="93")).started_in_illectronisme == 0
    assert outcomes.before_after(world.national, StatsFilters()).share == 1.0
    assert outcomes.before_after(world.mediator93, StatsFilters()).share is None


def session_with(world, site, mediator, marks, capacity=10, days_ago=2, **kwargs):
    session = SessionFactory(
        site=site, mediator=mediator, capacity=capacity, starts_at=NOW - datetime.timedelta(days=days_ago), **kwargs
    )
    for mark in marks:
        registration = RegistrationFactory(session=session)
        if mark:
            registration.attendance = mark
            registration.save(update_fields=["attendance"])
    return session


def test_workshop_fill_and_no_show_rates(world):
    present, absent, excused = Attendance.PRESENT, Attendance.ABSENT, Attendance.EXCUSED
    session_with(world, world.o1, world.mediator, [present, present, absent, excused, ""], capacity=10)
    session_with(world, world.o1, world.mediator, [absent, absent], capacity=5)  # nobody came: still counted
    session_with(world, world.o1, world.mediator, [present] * 4, cancelled=True)
    SessionFactory(site=world.o1, mediator=world.mediator)  # to come
    session_with(world, world.site93, world.mediator93, [present, present], capacity=4)
    rates = outcomes.workshop_rates(world.national, StatsFilters())
    assert (rates.sessions, rates.seats, rates.confirmed) == (3, 19, 9)
    assert rates.fill_rate == pytest.approx(9 / 19)
    assert (rates.recorded, rates.absent) == (8, 3)
    assert rates.no_show_rate == pytest.approx(3 / 8)
    in_22 = outcomes.workshop_rates(world.coordinator22, StatsFilters())
    assert (in_22.sessions, in_22.seats) == (2, 15)
    assert outcomes.workshop_rates(world.national, StatsFilters(departement="93")).seats == 4
    assert outcomes.workshop_rates(world.national, StatsFilters(mediator=world.mediator93.pk)).seats == 4
    old = StatsFilters(date_to=timezone.localdate() - datetime.timedelta(days=10))
    assert outcomes.workshop_rates(world.national, old).sessions == 0
    assert outcomes.workshop_rates(world.national, old).fill_rate is None


def test_referral_counts_by_status(world):
    def refer():
        return referral_services.referral_create(
            beneficiary=world.person, place=world.place, service=SERVICE, reason="Démarche CAF", by=world.mediator
        )

    refer()
    referral_services.referral_accept(referral=refer(), by=world.partner)
    referral_services.referral_cancel(referral=refer(), by=world.mediator)
    result = outcomes.referral_counts(world.national, StatsFilters())
    counts = dict(result.by_status)
    assert result.total == 3
    assert counts["Envoyée, en attente de réponse"] == 1
    assert counts["Acceptée par le lieu"] == 1
    assert counts["Annulée"] == 1
    assert result.answered_share == 0.5
    assert outcomes.referral_counts(world.mediator93, StatsFilters()).total == 0
    assert outcomes.referral_counts(world.national, StatsFilters(departement="93")).total == 0
