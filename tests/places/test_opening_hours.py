"""Opening hours (OSM syntax): the real values of the national map, and what a person reads."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from tremplin.places.opening_hours import parse, validate

PARIS = ZoneInfo("Europe/Paris")
FILES = ("cnfs_lieux_2022-12-02_sans_aidants.json", "lieux_idf_2022-08.json")


def at(day, hour, minute=0):
    """A datetime in Paris in the week of Monday 2026-03-02 (day 0 = Monday)."""
    return datetime(2026, 3, 2 + day, hour, minute, tzinfo=PARIS)


def test_real_values_of_the_national_map(shared_data):
    values = set()
    for name in FILES:
        for record in json.loads((shared_data / "lieux_mediation_numerique" / name).read_text()):
            values.add(record.get("horaires") or "")
    values.discard("")
    unread = sorted(v for v in values if parse(v) is None)
    assert len(values) == 2371
    assert len(values) - len(unread) == 2307
    assert len(unread) == 64
    # What is not read: a lone time, three times in a range, « 10h00 » instead of 10:00, empty ranges.
    assert "We 08:00" in unread
    assert "Mo-Fr 09:00-12:00-14:00" in unread
    assert "Mo-Fr 9h-12h30,13h30-17h" in unread
    assert any("14:00-14:00" in v for v in unread)
    # …and every unread value gets a French explanation for the person who typed it.
    assert all(validate(v) for v in unread)
    # A rule without days applies every day (read), as in OSM.
    assert parse("08:00-13:00,13:00-18:00").week()[6] == ("dimanche", "8 h – 18 h")


def test_status_open_and_closing_time():
    schedule = parse("Mo-Fr 09:00-12:30,14:00-18:00; Sa 09:00-12:00")
    assert schedule.status(at(0, 10)) == "Ouvert – ferme à 12 h 30"
    assert schedule.status(at(0, 15)) == "Ouvert – ferme à 18 h"
    assert schedule.status(at(0, 13)) == "Fermé – ouvre à 14 h"
    assert schedule.status(at(0, 18, 0)) == "Fermé – ouvre mardi à 9 h"
    assert schedule.status(at(5, 12)) == "Fermé – ouvre lundi à 9 h"
    assert schedule.status(at(6, 10)) == "Fermé – ouvre lundi à 9 h"
    assert schedule.is_open(at(4, 17, 59)) and not schedule.is_open(at(4, 18))


def test_later_rule_replaces_earlier_days_and_off():
    schedule = parse("Mo-Fr 09:00-12:00,14:00-17:00; We off; Tu 09:00-12:00")
    assert schedule.week() == [
        ("lundi", "9 h – 12 h, 14 h – 17 h"),
        ("mardi", "9 h – 12 h"),
        ("mercredi", "fermé"),
        ("jeudi", "9 h – 12 h, 14 h – 17 h"),
        ("vendredi", "9 h – 12 h, 14 h – 17 h"),
        ("samedi", "fermé"),
        ("dimanche", "fermé"),
    ]
    assert schedule.status(at(1, 15)) == "Fermé – ouvre jeudi à 9 h"
    assert not schedule.is_open(at(2, 10))


def test_lists_ranges_wrapping_and_specials():
    assert parse("Mo,We 10:00-11:15").week()[2] == ("mercredi", "10 h – 11 h 15")
    assert [d for d, h in parse("Sa-Mo 10:00-12:00").week() if h != "fermé"] == ["lundi", "samedi", "dimanche"]
    always = parse("24/7")
    assert always.is_open(at(6, 3)) and always.status(at(6, 3)) == "Ouvert 24 h/24"
    assert always.week()[0] == ("lundi", "ouvert 24 h/24")
    with_holidays = parse("Mo-Fr 08:00-17:00; PH off")
    assert with_holidays.public_holidays_closed and with_holidays.is_open(at(0, 8))
    assert parse("Mo-Su off").status(at(0, 10)) == "Fermé"
    assert parse("Tu closed; We 09:00-10:00").status(at(1, 8)) == "Fermé – ouvre mercredi à 9 h"
    assert parse("Fr 20:00-24:00; Sa 00:00-02:00").status(at(4, 23)) == "Ouvert – ferme à 2 h"
    # adjacent ranges are one opening: the place does not « close » at 13 h
    assert parse("Mo 09:00-13:00,13:00-18:00").status(at(0, 12)) == "Ouvert – ferme à 18 h"


def test_aware_datetimes_are_read_in_paris_time():
    schedule = parse("Mo 09:00-10:00")
    utc = datetime(2026, 3, 2, 8, 30, tzinfo=ZoneInfo("UTC"))  # 9 h 30 in Paris (winter)
    assert schedule.is_open(utc)
    summer_utc = datetime(2026, 7, 6, 8, 30, tzinfo=ZoneInfo("UTC"))  # 10 h 30 in Paris (summer)
    assert not schedule.is_open(summer_utc)
    with time_machine.travel(datetime(2026, 3, 2, 9, 15, tzinfo=PARIS), tick=False):
        assert schedule.status(timezone.now()) == "Ouvert – ferme à 10 h"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Mo 9h-12h", "La plage « 9h-12h » n'est pas comprise"),
        ("Lu-Ve 09:00-12:00", "« Lu-Ve » n'est pas une liste de jours"),
        ("Mo 12:00-09:00", "l'heure de fermeture doit suivre l'heure d'ouverture"),
        ("Mo 25:00-26:00", "L'heure « 25:00-26:00 » n'existe pas"),
        ("Mo 09:00 - 12:00", "La règle « Mo 09:00 - 12:00 » n'est pas comprise"),
    ],
)
def test_validate_explains_in_french(text, message):
    assert parse(text) is None
    assert message in validate(text)


def test_validate_accepts_good_and_empty_hours():
    assert validate("Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off") is None
    assert validate("") is None and validate(None) is None
    assert parse("") is None
