"""`python manage.py generate_load`: a synthetic national network, deterministic by seed, never mixed with real
people (both engines: COPY on PostgreSQL, bulk_create on SQLite)."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F

from tests.beneficiaries.factories import BeneficiaryFactory
from tremplin.accounts.models import User
from tremplin.activities.enums import ACCOMPANIMENT_KINDS
from tremplin.activities.models import Activity, Participant
from tremplin.beneficiaries.models import Beneficiary
from tremplin.reporting import stats
from tremplin.reporting.filters import StatsFilters
from tremplin.reporting.load import EMAIL_DOMAIN, PREFIX
from tremplin.reporting.models import TeamMember

pytestmark = pytest.mark.django_db
END = datetime.date(2026, 11, 30)
ARGS = ["--mediators", "6", "--beneficiaries", "300", "--activities", "1500", "--end", END.isoformat(), "--no-progress"]


def generate(seed=1):
    out = io.StringIO()
    call_command("generate_load", *ARGS, "--seed", str(seed), stdout=out)
    return out.getvalue()


def digest():
    """The load without its ids (PostgreSQL sequences do not roll back): who did what, when, with whom."""
    people = dict(Beneficiary.objects.values_list("pk", "last_name"))
    participants = {}
    for activity_id, person in Participant.objects.values_list("activity_id", "beneficiary_id"):
        participants.setdefault(activity_id, []).append(people[person])
    return [
        (*row[1:], sorted(participants.get(row[0], [])))
        for row in Activity.objects.order_by("pk").values_list(
            "pk",
            "kind",
            "date",
            "duration_minutes",
            "place_type",
            "theme_bits",
            "anonymous_count",
            "mediator__email",
            "departement_id",
            "territory_type",
        )
    ]


def test_generates_the_volumes_asked_deterministically():
    with transaction.atomic():
        summary = generate()
        first = digest()
        transaction.set_rollback(True)
    assert not Activity.objects.exists()
    generate()
    assert digest() == first
    assert "6 médiateurs, 300 personnes, 1\u202f500 activités" in summary
    assert Activity.objects.count() == 1500
    assert Beneficiary.objects.count() == 300
    assert not Beneficiary.objects.exclude(organisation__name__startswith=PREFIX).exists()
    dates = Activity.objects.values_list("date", flat=True)
    assert END - datetime.timedelta(days=3 * 365) <= min(dates) and max(dates) <= END
    # Every kind, anonymous and collective records, people coming back, participants consistent with their activity.
    assert set(Activity.objects.values_list("kind", flat=True)) >= set(ACCOMPANIMENT_KINDS)
    assert Activity.objects.filter(anonymous_count__gt=0).exists()
    assert Participant.objects.count() > Participant.objects.values("beneficiary").distinct().count()
    mismatched = Participant.objects.exclude(date=F("activity__date")).exclude(mediator=F("activity__mediator"))
    assert not mismatched.exists()
    assert TeamMember.objects.exists()
    result = stats.summary(User.objects.get(email=f"pilote-1@{EMAIL_DOMAIN}"), StatsFilters())
    assert result.activities == 1500
    assert 0 < result.unique_beneficiaries <= 300
    assert result.anonymous_accompaniments > 0


def test_refuses_a_database_with_real_people_unless_forced():
    BeneficiaryFactory()
    with pytest.raises(CommandError, match="personnes réelles"):
        generate()
    assert not Activity.objects.exists()
    out = io.StringIO()
    call_command("generate_load", *ARGS, "--seed", "2", "--force", stdout=out)
    assert Activity.objects.count() == 1500


def test_refuses_the_same_seed_twice():
    generate(seed=3)
    with pytest.raises(CommandError, match="graine 3"):
        generate(seed=3)
