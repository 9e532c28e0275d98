"""Statistics on known data, the places offered nearest first, and the Coop « structure de redirection »."""

import datetime

import numpy as np
import pytest
import time_machine
from django.utils import timezone

from tests.referrals.factories import PlaceFactory
from tests.referrals.test_services import START, refer
from tremplin.opendata.geo import haversine_km
from tremplin.places.models import Place
from tremplin.referrals import perms, selectors, services
from tremplin.referrals.enums import DeclineReason, Status
from tremplin.referrals.selectors import STRUCTURE_KINDS, referral_structure_kind, structure_kind_of_place

pytestmark = pytest.mark.django_db


def at(days):
    return time_machine.travel(START + datetime.timedelta(days=days), tick=False)


def test_stats_per_place_share_answered_and_median_days(world):
    with at(0):
        a, b, c, d = (refer(world) for _ in range(4))
        e = refer(world, place=world.other_place)
    with at(1):
        services.referral_accept(referral=a, via_link=True)
    with at(3):
        services.referral_decline(referral=b, reason=DeclineReason.FULL, via_link=True)
        services.referral_mark_seen(referral=a, via_link=True)
    with at(6):
        services.referral_accept(referral=c, via_link=True)
        services.referral_cancel(referral=e, by=world.mediator)
    with at(40):
        places, total = selectors.referral_stats(
            perms.sent_referrals(world.mediator), start=START - datetime.timedelta(days=1), end=timezone.now()
        )
    clic = next(row for row in places if row.name == "Clic Lannion")
    assert clic.total == 4 and clic.answered == 3
    assert clic.answered_share == pytest.approx(3 / 4)
    assert clic.median_days == pytest.approx(3.0)  # 1, 3, 6 days
    assert dict(zip(selectors.OUTCOMES, clic.outcome_counts, strict=True)) == {
        Status.SENT: 1, Status.ACCEPTED: 1, Status.DECLINED: 1, Status.SEEN: 1,
        Status.NOT_SEEN: 0, Status.EXPIRED: 0, Status.CANCELLED: 0,
    }  # fmt: skip
    lointain = next(row for row in places if row.name == "Lointain")
    assert lointain.answered_share is None and lointain.median_days is None  # only a cancelled one
    assert (total.total, total.answered, total.median_days) == (5, 3, pytest.approx(3.0))
    assert d.status == Status.SENT


def test_stats_period_and_scope(world):
    with at(0):
        refer(world)
    with at(100):
        places, total = selectors.referral_stats(
            perms.sent_referrals(world.mediator), start=timezone.now() - datetime.timedelta(days=30), end=timezone.now()
        )
        assert total.total == 0 and places == []
        _, total = selectors.referral_stats(perms.stats_referrals(world.mediator), start=START, end=timezone.now())
        assert total.total == 0  # a mediator has no statistics page


def test_places_nearest_first_match_a_brute_force_sort(world):
    rng = np.random.default_rng(3)
    for i in range(40):
        PlaceFactory(name=f"P{i}", latitude=float(rng.uniform(42, 51)), longitude=float(rng.uniform(-4, 8)))
    PlaceFactory(name="Sans coordonnées", latitude=None, longitude=None)
    choices = selectors.places_for_referral(latitude=48.73, longitude=-3.46, service=world.place.services[0], limit=100)
    located = [p for p in Place.objects.all() if p.latitude is not None]
    expected = sorted(located, key=lambda p: float(haversine_km(48.73, -3.46, p.latitude, p.longitude)))
    assert [c.place.pk for c in choices[:-1]] == [p.pk for p in expected]
    assert choices[-1].place.name == "Sans coordonnées" and choices[-1].distance_km is None
    assert choices[0].place == world.place and choices[0].distance_km < 1


@pytest.mark.parametrize(
    "fields, kind",
    [
        ({"national_programmes": ["France Services"], "typology": ["CCAS"]}, "aide_aux_demarches_administratives"),
        ({"typology": ["CCAS"]}, "aide_sociale"),
        ({"typology": ["ML"]}, "insertion_professionnelle"),
        ({"typology": ["CAF"]}, "operateur_ou_organisme_en_charge"),
        ({"typology": ["MUNI"]}, "administration"),
        ({"typology": ["ASSO"]}, "mediation_numerique"),
        ({"typology": []}, "mediation_numerique"),
        ({"typology": [], "services": []}, "autre"),
    ],
)
def test_structure_kind_of_a_referral(world, fields, kind):
    place = PlaceFactory.build(**fields)
    assert structure_kind_of_place(place) == kind and kind in STRUCTURE_KINDS
    assert len(STRUCTURE_KINDS) == 7


def test_referral_structure_kind_reads_the_place(world):
    world.place.typology = ["CS"]
    world.place.save()
    assert referral_structure_kind(refer(world)) == "aide_sociale"
