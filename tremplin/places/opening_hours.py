"""Opening hours in the OSM `opening_hours` syntax, the subset used by the national map of places.

Understood: weekdays `Mo`…`Su`, ranges `Mo-Fr` (also wrapping, `Sa-Mo`), lists `Mo,We`, several time ranges
`09:00-12:00,14:00-17:00`, rules separated by `;` (a later rule replaces the days it names, as in OSM),
`off` / `closed`, `PH off` (public holidays closed: accepted, not applied), `24/7`, a rule with times and no
day (every day). Anything else (`Mo 09:00`, `09:00-12:00-14:00`, `9h-12h`, overnight ranges…) is not read:
`parse` returns None and `validate` says why, in French, for entry forms.

Pure Python: times are Europe/Paris local wall-clock times; an aware datetime is converted first.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
DAY_CODES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MINUTES_PER_DAY = 24 * 60

_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_DAYS_RE = re.compile(rf"^{_DAY}(?:-{_DAY})?(?:,{_DAY}(?:-{_DAY})?)*$")
_SPAN_RE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_CLOSED = {"off", "closed"}


class HoursError(ValueError):
    """The text is not in the understood syntax; the message is French, for the person typing it."""


@dataclass
class Schedule:
    """Open intervals per weekday (0 = Monday), in minutes since midnight, sorted and merged."""

    days: list[list[tuple[int, int]]] = field(default_factory=lambda: [[] for _ in range(7)])
    public_holidays_closed: bool = False

    def is_open(self, dt: datetime) -> bool:
        weekday, minute = _local(dt)
        return any(start <= minute < end for start, end in self.days[weekday])

    def status(self, dt: datetime) -> str:
        weekday, minute = _local(dt)
        if all(not spans for spans in self.days):
            return "Fermé"
        if all(spans == [(0, MINUTES_PER_DAY)] for spans in self.days):
            return "Ouvert 24 h/24"
        for start, end in self.days[weekday]:
            if start <= minute < end:
                return f"Ouvert – ferme à {format_time(self._closing(weekday, end))}"
        for start, _end in self.days[weekday]:
            if start > minute:
                return f"Fermé – ouvre à {format_time(start)}"
        for offset in range(1, 8):
            day = (weekday + offset) % 7
            if self.days[day]:
                return f"Fermé – ouvre {DAY_NAMES[day]} à {format_time(self.days[day][0][0])}"
        return "Fermé"  # pragma: no cover (some day has spans, so the loop returned)

    def _closing(self, weekday: int, end: int) -> int:
        """Opening until midnight and on from midnight closes the next morning (`Fr 20:00-24:00; Sa 00:00-02:00`)."""
        if end == MINUTES_PER_DAY:
            following = self.days[(weekday + 1) % 7]
            if following and following[0][0] == 0 and following[0][1] < MINUTES_PER_DAY:
                return following[0][1]
        return end

    def week(self) -> list[tuple[str, str]]:
        return [(DAY_NAMES[day], describe_spans(spans)) for day, spans in enumerate(self.days)]


def format_time(minutes: int) -> str:
    """540 → « 9 h », 750 → « 12 h 30 », 0 or 1440 → « minuit »."""
    if minutes in (0, MINUTES_PER_DAY):
        return "minuit"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def describe_spans(spans: list[tuple[int, int]]) -> str:
    if not spans:
        return "fermé"
    if spans == [(0, MINUTES_PER_DAY)]:
        return "ouvert 24 h/24"
    return ", ".join(f"{_span_time(start)} – {_span_time(end)}" for start, end in spans)


def _span_time(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def _local(dt: datetime) -> tuple[int, int]:
    if dt.tzinfo is not None:
        dt = dt.astimezone(PARIS)
    return dt.weekday(), dt.hour * 60 + dt.minute


# --------------------------------------------------------------------------------------------- parsing


def parse(text: str | None) -> Schedule | None:
    """The schedule, or None when the text is empty or not understood."""
    try:
        return _parse(text or "")
    except HoursError:
        return None


def validate(text: str | None) -> str | None:
    """A French error message for an entry form, or None when the hours can be read (or are left empty)."""
    if not (text or "").strip():
        return None
    try:
        _parse(text)
    except HoursError as exc:
        return str(exc)
    return None


def _parse(text: str) -> Schedule:
    text = text.strip()
    if not text:
        raise HoursError("Les horaires sont vides.")
    schedule = Schedule()
    for raw_rule in text.split(";"):
        rule = raw_rule.strip()
        if not rule:
            continue  # a trailing « ; » is tolerated
        _apply_rule(schedule, rule)
    return schedule


def _apply_rule(schedule: Schedule, rule: str) -> None:
    if rule == "24/7":
        schedule.days = [[(0, MINUTES_PER_DAY)] for _ in range(7)]
        return
    if rule in ("PH off", "PH closed"):
        schedule.public_holidays_closed = True
        return
    parts = rule.split()
    if len(parts) == 1:
        if _DAYS_RE.match(parts[0]):
            days, selector = _days(parts[0]), "00:00-24:00"
        else:
            days, selector = range(7), parts[0]
    elif len(parts) == 2:
        if not _DAYS_RE.match(parts[0]):
            raise HoursError(
                f"« {parts[0]} » n'est pas une liste de jours : utilisez Mo, Tu, We, Th, Fr, Sa, Su "
                "(par exemple « Mo-Fr » ou « Mo,We »)."
            )
        days, selector = _days(parts[0]), parts[1]
    else:
        raise HoursError(
            f"La règle « {rule} » n'est pas comprise : écrivez les jours puis les heures, "
            "par exemple « Mo-Fr 09:00-12:00,14:00-17:00 »."
        )
    spans = [] if selector in _CLOSED else _spans(selector)
    for day in days:
        schedule.days[day] = spans  # a later rule replaces the earlier one for the days it names


def _days(selector: str) -> list[int]:
    days = []
    for item in selector.split(","):
        first, _, last = item.partition("-")
        start = DAY_CODES.index(first)
        stop = DAY_CODES.index(last) if last else start
        day = start
        while True:
            if day not in days:
                days.append(day)
            if day == stop:
                break
            day = (day + 1) % 7
    return days


def _spans(selector: str) -> list[tuple[int, int]]:
    spans = []
    for item in selector.split(","):
        match = _SPAN_RE.match(item)
        if not match:
            raise HoursError(
                f"La plage « {item} » n'est pas comprise : écrivez l'heure d'ouverture et de fermeture "
                "sur 24 heures, par exemple « 09:00-12:30 »."
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
            raise HoursError(f"L'heure « {item} » n'existe pas.")
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end <= start:
            raise HoursError(f"Dans « {item} », l'heure de fermeture doit suivre l'heure d'ouverture.")
        spans.append((start, end))
    return _merge(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
