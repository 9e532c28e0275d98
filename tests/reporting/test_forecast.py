"""The forecast of a cumulative weekly count, on series whose outcome is known."""

import datetime

import numpy as np
import pytest

from tremplin.reporting.forecast import WINDOW, forecast, t_quantile

MONDAY = datetime.date(2023, 1, 2)


def weekly(values, start=MONDAY):
    return [(start + datetime.timedelta(weeks=i), v) for i, v in enumerate(values)]


def sunday_of(series):
    return series[-1][0] + datetime.timedelta(days=6)


def test_constant_pace_is_projected_exactly_with_a_zero_width_band():
    series = weekly([100 * (i + 1) for i in range(12)])  # 100 more each week
    deadline = sunday_of(series) + datetime.timedelta(weeks=10)
    result = forecast(series, deadline)
    assert result.expected == pytest.approx(1200 + 100 * 10)
    assert result.low == pytest.approx(result.expected)
    assert result.high == pytest.approx(result.expected)
    assert result.pace == pytest.approx(100)
    assert result.weeks_left == pytest.approx(10)
    assert result.weeks_used == WINDOW


def test_only_the_recent_weeks_set_the_pace():
    # 10 a week for a year, then 50 a week for the last 8 weeks: the forecast follows the recent trend.
    values = list(np.cumsum([10] * 52 + [50] * 8))
    series = weekly(values)
    result = forecast(series, sunday_of(series) + datetime.timedelta(weeks=4))
    assert result.pace == pytest.approx(50)
    assert result.expected == pytest.approx(values[-1] + 200)


def test_a_noisy_series_band_covers_the_truth():
    rng = np.random.default_rng(12)
    increments = rng.normal(1000, 150, size=30)
    values = np.cumsum(increments)
    observed, future = values[:20], values[20:]
    series = weekly(list(observed))
    result = forecast(series, sunday_of(series) + datetime.timedelta(weeks=10))
    assert result.has_band
    assert result.low < future[-1] < result.high
    assert result.low < result.expected < result.high


def test_the_band_covers_the_truth_about_95_times_in_100():
    rng = np.random.default_rng(2023)
    covered = 0
    runs = 400
    for _ in range(runs):
        values = np.cumsum(rng.normal(500, 120, size=24))
        series = weekly(list(values[:16]))
        result = forecast(series, sunday_of(series) + datetime.timedelta(weeks=8))
        covered += result.low <= values[-1] <= result.high
    assert 0.9 <= covered / runs <= 0.99


def test_the_band_widens_with_the_weeks_left():
    series = weekly([0, 90, 210, 290, 410, 500, 610, 690, 800])
    near = forecast(series, sunday_of(series) + datetime.timedelta(weeks=2))
    far = forecast(series, sunday_of(series) + datetime.timedelta(weeks=20))
    assert far.high - far.low > near.high - near.low > 0


@pytest.mark.parametrize("values", [[], [120]])
def test_no_forecast_without_two_weeks(values):
    result = forecast(weekly(values), datetime.date(2023, 12, 31))
    assert not result.available
    assert result.expected is None and result.low is None
    assert "prévision" in result.reason


def test_two_weeks_give_a_projection_without_band():
    series = weekly([100, 160])
    result = forecast(series, sunday_of(series) + datetime.timedelta(weeks=5))
    assert result.expected == pytest.approx(160 + 60 * 5)
    assert not result.has_band
    assert "sans fourchette" in result.reason


def test_a_deadline_past_gives_the_value_reached_at_the_deadline():
    series = weekly([10, 20, 35, 50, 60])
    deadline = MONDAY + datetime.timedelta(weeks=2, days=6)  # the Sunday of the third week
    result = forecast(series, deadline)
    assert result.expected == 35 and result.low == 35 and result.high == 35
    assert result.weeks_left == 0


def test_the_band_never_goes_below_the_value_reached():
    series = weekly([100, 100, 101, 100, 102, 100, 100, 103, 100])  # flat, with corrections
    result = forecast(series, sunday_of(series) + datetime.timedelta(weeks=30))
    assert result.low >= 100
    assert result.expected >= 100


def test_as_of_counts_the_weeks_left_from_that_day():
    series = weekly([0, 7, 14])
    as_of = datetime.date(2023, 1, 22)
    result = forecast(series, as_of + datetime.timedelta(days=14), as_of=as_of)
    assert result.weeks_left == pytest.approx(2)
    assert result.expected == pytest.approx(28)


def test_student_quantiles():
    assert t_quantile(7) == pytest.approx(2.365)
    assert t_quantile(17) == pytest.approx(2.131)
    assert t_quantile(200) == pytest.approx(1.96)
    with pytest.raises(ValueError):
        t_quantile(0)
