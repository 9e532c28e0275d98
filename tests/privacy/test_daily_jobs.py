"""`task_worker --daily-jobs`: the retention periods applied once a day, whatever the number of workers."""

import datetime

import pytest
from django.utils import timezone

from tests.beneficiaries.factories import BeneficiaryFactory
from tremplin.beneficiaries.models import Beneficiary
from tremplin.privacy.models import RetentionRun
from tremplin.www.tasks_recovery import daily_jobs

pytestmark = pytest.mark.django_db


def test_daily_jobs_apply_the_retention_once_a_day(settings):
    old = BeneficiaryFactory()
    Beneficiary.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=settings.TREMPLIN_RETENTION_INACTIVE_DAYS + 10),
        updated_at=timezone.now() - datetime.timedelta(days=settings.TREMPLIN_RETENTION_INACTIVE_DAYS + 10),
    )
    first = daily_jobs()
    assert first.startswith("1 personne anonymisée")
    assert Beneficiary.objects.get(pk=old.pk).anonymised_at is not None
    assert daily_jobs() == ""  # the second worker, or the next check of the day: nothing
    assert RetentionRun.objects.filter(daily=True).count() == 1
