"""Digital fragility score, after the Indice de Fragilité Numérique method (pure numpy, no Django).

For each indicator, every territory gets its national percentile (mid-rank: the share of territories
with a lower value plus half of those with an equal one) turned into points from −3 to +3:

    percentile (oriented so that high = fragile)   ≥ 90  ≥ 75  ≥ 60  ≥ 40  ≥ 25  ≥ 10  < 10
    points                                          +3    +2    +1     0    −1    −2    −3

(the reconstruction of the MedNum IFN bands given in reference/fragility-methods.md, 3.1 b). The
score is the sum of the points over the indicators the territory has, rescaled from [−3n, +3n] to
[0, 10]: 10 = most fragile. A missing value (statistical secret, merged commune) is left out of that
territory's sum, and n says how many indicators the score rests on.
"""

import math

import numpy as np

BANDS = np.array([10.0, 25.0, 40.0, 60.0, 75.0, 90.0])  # lower bounds of −2, −1, 0, +1, +2, +3


def percentiles(values: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """Mid-rank percentile (0–100) of each value within `reference` (default: the values themselves).

    NaN stays NaN and is not counted.
    """
    values = np.asarray(values, dtype=float)
    result = np.full(values.shape, np.nan)
    present = ~np.isnan(values)
    known = np.sort(values[present] if reference is None else np.asarray(reference, dtype=float))
    known = known[~np.isnan(known)]
    if known.size == 0:
        return result
    lower = np.searchsorted(known, values[present], side="left")
    upper = np.searchsorted(known, values[present], side="right")
    result[present] = (lower + 0.5 * (upper - lower)) / known.size * 100
    return result


def points(percentile: np.ndarray, direction: int = 1) -> np.ndarray:
    """Points −3…+3 from oriented percentiles (direction −1: a high value means less fragile). NaN → NaN."""
    percentile = np.asarray(percentile, dtype=float)
    oriented = percentile if direction >= 0 else 100 - percentile
    result = np.searchsorted(BANDS, oriented, side="right").astype(float) - 3
    result[np.isnan(percentile)] = np.nan
    return result


def scores(points_matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(territories × indicators) points → (score 0–10 or NaN when no indicator, count of indicators used)."""
    matrix = np.asarray(points_matrix, dtype=float)
    if matrix.ndim == 1:
        matrix = matrix[:, None]
    counts = (~np.isnan(matrix)).sum(axis=1)
    total = np.nansum(matrix, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = (total + 3 * counts) / (6 * counts) * 10
    score[counts == 0] = np.nan
    return score, counts


def weighted_means(groups: np.ndarray, values: np.ndarray, weights: np.ndarray) -> dict:
    """Population-weighted mean of `values` per group, over the members that have a value."""
    groups = np.asarray(groups)
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    present = ~np.isnan(values) & (weights > 0)
    result = {}
    if not present.any():
        return result
    keys, inverse = np.unique(groups[present], return_inverse=True)
    sums = np.bincount(inverse, weights=values[present] * weights[present])
    totals = np.bincount(inverse, weights=weights[present])
    for key, s, t in zip(keys, sums, totals, strict=True):
        result[key] = float(s / t)
    return result


CLASS_COUNT = 7


def score_class(score: float | None) -> int | None:
    """The map class 1–7 of a 0–10 score, as the ANCT colours it: max(1, ceil(score × 7 / 10)). None → None."""
    if score is None or np.isnan(score):
        return None
    return min(CLASS_COUNT, max(1, math.ceil(round(score * CLASS_COUNT / 10, 9))))


def class_bounds(klass: int) -> tuple[float, float]:
    """The scores (lower, upper] of a class (class 1 includes 0)."""
    return (klass - 1) * 10 / CLASS_COUNT, klass * 10 / CLASS_COUNT
