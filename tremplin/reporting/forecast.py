"""Where a cumulative count will stand at a deadline, from its recent weekly trend. Pure (numpy only): the input
is the weekly cumulative series of tremplin.reporting.stats.cumulative_weekly, the output a `Forecast`.

Method (written on the objectives page as `METHOD`):

- the weekly increments of the last N complete weeks (N = 8, fewer when the series is shorter) are taken as
  independent draws of the same weekly pace (a random walk with drift);
- expected value at the deadline = current value + mean increment × weeks left;
- 95 % band = ± t(0,975 ; n − 1) × s × √(h + h² / n), where n is the number of increments, s their standard
  deviation, h the weeks left: the first term under the root is the week-to-week noise of the h weeks to come,
  the second the uncertainty of the pace itself, estimated from n weeks only (Student's t, not 1,96, because
  n is small). A steady pace gives a band of zero width;
- both bounds are floored at the current value (a cumulative count does not go down);
- no forecast from an empty or one-point series (no increment); a projection without band from a single
  increment (no spread to measure); a deadline already reached: the value observed at the deadline.
"""

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WINDOW = 8
# Student's t, 97.5th percentile, by degrees of freedom (two-sided 95 % interval).
T_975 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    11: 2.201,
    12: 2.179,
    13: 2.160,
    14: 2.145,
    15: 2.131,
    20: 2.086,
    25: 2.060,
    30: 2.042,
}

METHOD = (
    f"Prévision : le rythme hebdomadaire moyen des {WINDOW} dernières semaines complètes (moins si la série est "
    "plus courte) est prolongé jusqu'à l'échéance. La fourchette à 95 % vaut ± t × s × √(h + h²/n) : s est "
    "l'écart-type des progressions hebdomadaires de ces n semaines, h le nombre de semaines restantes, t le "
    "quantile de Student (n − 1 degrés de liberté) ; elle tient compte des variations d'une semaine à l'autre et "
    "de l'incertitude sur le rythme lui-même. Un rythme parfaitement régulier donne une fourchette nulle. Les "
    "bornes ne descendent jamais sous le total déjà atteint."
)


def t_quantile(df: int) -> float:
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    if df in T_975:
        return T_975[df]
    below = max(k for k in T_975 if k <= df)
    return T_975[below] if df <= 30 else 1.96


@dataclass(frozen=True)
class Forecast:
    """`expected` is None when there is no forecast (`reason` says why, in French); `low`/`high` are None when
    there is a projection but no band."""

    expected: float | None
    low: float | None
    high: float | None
    current: float | None
    weeks_left: float
    pace: float | None  # mean weekly increment of the window
    weeks_used: int  # increments in the window
    reason: str = ""

    @property
    def available(self) -> bool:
        return self.expected is not None

    @property
    def has_band(self) -> bool:
        return self.low is not None and self.high is not None


def forecast(
    series: Sequence[tuple[datetime.date, float]],
    deadline: datetime.date,
    *,
    as_of: datetime.date | None = None,
    window: int = WINDOW,
) -> Forecast:
    """`series`: [(monday of the week, cumulative value at the end of that week)], oldest first, complete weeks
    only. `as_of`: the day the last value stands at (default: the Sunday of the last week)."""
    points = sorted(series)
    if not points:
        return Forecast(None, None, None, None, 0.0, None, 0, "Aucune semaine enregistrée : pas de prévision.")
    mondays = [monday for monday, _ in points]
    values = np.asarray([value for _, value in points], dtype=float)
    last_day = as_of or (mondays[-1] + datetime.timedelta(days=6))
    if deadline <= last_day:
        # Deadline reached: the value of the last week ending on or before it (the first one when none did).
        index = max(
            (i for i, monday in enumerate(mondays) if monday + datetime.timedelta(days=6) <= deadline), default=0
        )
        value = float(values[index])
        return Forecast(value, value, value, float(values[-1]), 0.0, None, 0, "Échéance passée : valeur atteinte.")
    current = float(values[-1])
    weeks_left = (deadline - last_day).days / 7
    if len(values) < 2:
        return Forecast(
            None,
            None,
            None,
            current,
            weeks_left,
            None,
            0,
            "Une seule semaine enregistrée : trop tôt pour une prévision.",
        )
    increments = np.diff(values[-(window + 1) :])
    n = len(increments)
    pace = float(increments.mean())
    expected = max(current, current + pace * weeks_left)
    if n < 2:
        return Forecast(
            expected,
            None,
            None,
            current,
            weeks_left,
            pace,
            n,
            "Deux semaines seulement : projection sans fourchette (rien pour mesurer la variation).",
        )
    spread = float(increments.std(ddof=1))
    half_width = t_quantile(n - 1) * spread * math.sqrt(weeks_left + weeks_left**2 / n)
    low = max(current, current + pace * weeks_left - half_width)
    high = max(current, current + pace * weeks_left + half_width)
    return Forecast(expected, low, high, current, weeks_left, pace, n)
