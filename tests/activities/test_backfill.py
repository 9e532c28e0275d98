"""`backfill_activities`: the records made before activity records existed join the timeline, once."""

import io

import pytest
from django.core.management import call_command

from tests.beneficiaries.factories import BeneficiaryFactory, DiagnosticFactory, ScreeningFactory
from tremplin.activities.enums import Kind
from tremplin.activities.models import Activity, Participant

pytestmark = pytest.mark.django_db


def test_backfill_writes_one_record_per_source_and_is_idempotent():
    person = BeneficiaryFactory()
    diagnostic = DiagnosticFactory(beneficiary=person)  # factories bypass the services: no record yet
    ScreeningFactory(walk_in=True)
    assert not Activity.objects.exists()

    out = io.StringIO()
    call_command("backfill_activities", stdout=out)
    call_command("backfill_activities", stdout=out)

    assert Activity.objects.count() == 2
    record = Activity.objects.get(diagnostic=diagnostic)
    assert record.kind == Kind.DIAGNOSTIC
    assert record.organisation_id == person.organisation_id
    assert list(Participant.objects.filter(activity=record).values_list("beneficiary_id", flat=True)) == [person.pk]
    walk_in = Activity.objects.get(kind=Kind.SCREENING)
    assert walk_in.anonymous_count == 1 and not walk_in.participants.exists()
