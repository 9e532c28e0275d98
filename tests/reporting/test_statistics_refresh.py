"""An activity written through the services queues one statistics refresh for after its commit (PostgreSQL: the
worker folds the queued changes into the aggregates; tests run tasks immediately)."""

import datetime

import pytest
from django.db import connection

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import UserFactory
from tremplin.activities.enums import PlaceType, Thematique
from tremplin.activities.services import activity_record
from tremplin.reporting.models import PendingActivity, PendingPerson


@pytest.mark.django_db(transaction=True)
def test_a_recorded_activity_is_folded_into_the_aggregates_after_its_commit():
    if connection.vendor != "postgresql":
        pytest.skip("agrégats : PostgreSQL seulement (SQLite compte directement)")
    person = BeneficiaryFactory()
    mediator = UserFactory(mediator=True, organisation=person.organisation, sites=[person.site])
    PendingActivity.objects.all().delete()
    PendingPerson.objects.all().delete()
    activity_record(
        by=mediator,
        beneficiary=person,
        date=datetime.date.today(),
        duration_minutes=30,
        place_type=PlaceType.ACTIVITY_PLACE,
        site=person.site,
        themes=[Thematique.EMAIL],
    )
    # The triggers queued the activity and its person in the writing transaction; the refresh queued on commit
    # (run at once by the tests' task backend) folded them in.
    assert not PendingActivity.objects.exists()
    assert not PendingPerson.objects.exists()
