"""The fragility score: percentile points bands, rescaling, missing values (pure functions)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tremplin.territories import fragility


def test_mid_rank_percentiles_handle_ties_and_missing_values():
    values = np.array([1.0, 2.0, 2.0, 3.0, np.nan])
    assert fragility.percentiles(values)[:4].tolist() == [12.5, 50.0, 50.0, 87.5]
    assert np.isnan(fragility.percentiles(values)[4])


def test_percentiles_against_a_reference_distribution():
    reference = np.arange(1, 11, dtype=float)  # 1..10
    assert fragility.percentiles(np.array([0.0, 5.0, 11.0]), reference=reference).tolist() == [0.0, 45.0, 100.0]


@pytest.mark.parametrize(
    ("percentile", "expected"),
    [
        (0.0, -3), (9.99, -3), (10.0, -2), (24.99, -2), (25.0, -1), (39.99, -1), (40.0, 0), (59.99, 0),
        (60.0, 1), (74.99, 1), (75.0, 2), (89.99, 2), (90.0, 3), (100.0, 3),
    ],
)  # fmt: skip
def test_points_bands_at_every_boundary(percentile, expected):
    assert fragility.points(np.array([percentile]))[0] == expected


def test_direction_minus_one_reverses_the_points():
    assert fragility.points(np.array([95.0, 5.0]), direction=-1).tolist() == [-3, 3]


def test_scores_rescale_to_0_10_over_the_indicators_present():
    matrix = np.array([[3, 3, 3], [-3, -3, -3], [0, 0, 0], [3, np.nan, -3], [np.nan, np.nan, np.nan]], dtype=float)
    score, counts = fragility.scores(matrix)
    assert score[:4].tolist() == [10.0, 0.0, 5.0, 5.0]
    assert np.isnan(score[4])
    assert counts.tolist() == [3, 3, 3, 2, 0]


def test_weighted_means_ignore_missing_values_and_empty_weights():
    means = fragility.weighted_means(
        np.array(["A", "A", "B", "B"]), np.array([1.0, 3.0, np.nan, 4.0]), np.array([1.0, 3.0, 5.0, 0.0])
    )
    assert means == {"A": pytest.approx(2.5)}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)), min_size=3, max_size=3),
        min_size=1,
        max_size=40,
    )
)
def test_score_is_between_0_and_10_and_monotone_in_each_indicator(rows):
    values = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)
    pts = np.column_stack([fragility.points(fragility.percentiles(values[:, j])) for j in range(3)])
    score, counts = fragility.scores(pts)
    present = counts > 0
    assert np.all((score[present] >= 0) & (score[present] <= 10))
    assert np.all(np.isnan(score[~present]))
    # A territory worse on every indicator it shares with another never scores lower.
    for a in range(len(rows)):
        for b in range(len(rows)):
            both = ~np.isnan(values[a]) & ~np.isnan(values[b])
            if both.all() and np.all(values[a] >= values[b]):
                assert score[a] >= score[b]


@pytest.mark.parametrize(
    ("score", "klass"),
    [(0.0, 1), (1.0, 1), (10 / 7, 1), (1.43, 2), (5.0, 4), (8.58, 7), (10.0, 7), (None, None)],
)
def test_score_class_follows_the_anct_seven_classes(score, klass):
    assert fragility.score_class(score) == klass
