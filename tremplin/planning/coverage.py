"""Coverage matrix of the deployment planner and its safe reductions (pure numpy/scipy, no Django).

The coverage matrix ``C`` is an ``n × m`` boolean CSR matrix: ``C[i, j]`` is true when demand point ``i``
(a commune centroid) lies within the reach radius of candidate site ``j``, measured along the great
circle. Distances are computed as chords between unit vectors in a k-d tree, which is exact because the
chord length is a monotone function of the great-circle distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from tremplin.opendata.geo import km_to_chord, unit_vectors

# A relative tolerance on radii so that two points exactly ``r`` km apart are counted as within ``r``.
_RADIUS_SLACK = 1e-9


def chord_radius(km: float) -> float:
    """Chord length on the unit sphere for a great-circle radius in km (with a tiny slack)."""
    return float(km_to_chord(km)) * (1 + _RADIUS_SLACK) + 1e-12


def build_coverage(instance, reach_km: float) -> sp.csr_matrix:
    """Return the ``n × m`` boolean CSR matrix of (demand point, site) pairs within ``reach_km``.

    ``instance`` is a :class:`tremplin.planning.solver.PlanningInstance` (anything with ``demand_latlon``
    and ``site_latlon`` arrays of degrees). Uses one k-d tree on the sites' unit vectors.
    """
    demand = np.asarray(instance.demand_latlon, dtype=float).reshape(-1, 2)
    sites = np.asarray(instance.site_latlon, dtype=float).reshape(-1, 2)
    n, m = len(demand), len(sites)
    if n == 0 or m == 0:
        return sp.csr_matrix((n, m), dtype=bool)
    site_tree = cKDTree(unit_vectors(sites))
    neighbours = site_tree.query_ball_point(unit_vectors(demand), r=chord_radius(reach_km), return_sorted=True)
    lengths = np.fromiter((len(x) for x in neighbours), dtype=np.int64, count=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    indices = np.fromiter((j for row in neighbours for j in row), dtype=np.int32, count=int(indptr[-1]))
    data = np.ones(len(indices), dtype=bool)
    return sp.csr_matrix((data, indices, indptr), shape=(n, m))


@dataclass(frozen=True)
class Reduction:
    """A reduced covering model.

    ``matrix`` is ``g × c`` (demand groups × kept candidates, CSR, float64 ones); ``weights`` the weight
    of each demand group; ``demand_group`` maps each original demand point to its group (-1 when the
    point is dropped: uncovered or weightless); ``candidates`` maps each kept column to the original
    site index.
    """

    matrix: sp.csr_matrix
    weights: np.ndarray
    demand_group: np.ndarray
    candidates: np.ndarray

    @property
    def mapping(self) -> tuple[np.ndarray, np.ndarray]:
        """(demand point → group or -1, kept column → original site index)."""
        return self.demand_group, self.candidates

    def __iter__(self):
        return iter((self.matrix, self.weights, self.mapping))


def merge_rows(coverage: sp.csr_matrix, weights: np.ndarray, columns: np.ndarray | None = None) -> Reduction:
    """Drop demand points that no site covers (or of zero weight) and merge points covered by the
    same set of sites, summing their weights. Always exact: the objective of any plan is unchanged.

    ``columns`` optionally restricts the candidate sites first (original indices, kept in that order).
    """
    coverage = sp.csr_matrix(coverage, dtype=bool)
    weights = np.asarray(weights, dtype=float)
    n, m = coverage.shape
    if columns is None:
        columns = np.arange(m)
    columns = np.asarray(columns, dtype=np.int64)
    sub = coverage[:, columns].tocsr()
    sub.sort_indices()
    row_nnz = np.diff(sub.indptr)
    keep = np.flatnonzero((row_nnz > 0) & (weights > 0))
    demand_group = np.full(n, -1, dtype=np.int64)
    keys: dict[bytes, int] = {}
    group_rows: list[np.ndarray] = []
    group_weight: list[float] = []
    indptr, indices = sub.indptr, sub.indices.astype(np.int32)
    for i in keep:
        row = indices[indptr[i] : indptr[i + 1]]
        key = row.tobytes()
        g = keys.get(key)
        if g is None:
            g = len(group_rows)
            keys[key] = g
            group_rows.append(row)
            group_weight.append(0.0)
        group_weight[g] += weights[i]
        demand_group[i] = g
    if group_rows:
        lens = np.fromiter((len(r) for r in group_rows), dtype=np.int64, count=len(group_rows))
        ptr = np.zeros(len(group_rows) + 1, dtype=np.int64)
        np.cumsum(lens, out=ptr[1:])
        idx = np.concatenate(group_rows)
    else:
        ptr = np.zeros(1, dtype=np.int64)
        idx = np.zeros(0, dtype=np.int32)
    matrix = sp.csr_matrix((np.ones(len(idx)), idx, ptr), shape=(len(group_rows), len(columns)))
    return Reduction(matrix, np.asarray(group_weight, dtype=float), demand_group, columns)


def dominated_columns(matrix: sp.csr_matrix, protected: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of columns that may be dropped: each one's row set is contained in the row set of
    another column that is kept (strict inclusion, or equality with a lower-indexed kept twin), and
    columns covering nothing. ``protected`` columns (e.g. forced sites) are never dropped but may dominate.

    Dropping them is exact only for the plain maximal covering problem with *at most* ``p`` sites and no
    group constraint: any dropped site in a plan can be replaced by its dominator, or removed when the
    dominator is already in the plan, without losing coverage. Callers must then pad the plan with
    arbitrary unused sites to reach exactly ``p``.
    """
    c = matrix.shape[1]
    csc = sp.csc_matrix(matrix, dtype=np.float64)
    size = np.diff(csc.indptr)
    drop = size == 0
    if protected is not None:
        drop &= ~protected
    inter = (csc.T @ csc).tocoo()  # |rows(a) ∩ rows(b)|
    a, b, v = inter.row, inter.col, inter.data
    mask = (a != b) & (v == size[a]) & (size[a] > 0)
    a, b = a[mask], b[mask]
    strict = size[b] > size[a]
    # equal sets: the higher index is dominated by the lower one
    twin = (~strict) & (b < a)
    dominated = np.zeros(c, dtype=bool)
    dominated[a[strict | twin]] = True
    if protected is not None:
        dominated &= ~protected
    # Inclusion is transitive, so every dropped column has a kept dominator: follow the chain to a
    # maximal row set and, among equal maximal columns, to the lowest index, which is never dropped.
    return drop | dominated


def reduce(
    coverage: sp.csr_matrix,
    weights: np.ndarray,
    *,
    drop_dominated: bool = False,
    protected: np.ndarray | None = None,
    columns: np.ndarray | None = None,
) -> Reduction:
    """Reduce a covering model without changing its optimum.

    Always: drop demand points that no site covers (or of zero weight) and merge points covered by the
    same set of sites (their weights add up). With ``drop_dominated`` (only valid for the plain maximal
    covering problem, see :func:`dominated_columns`) also drop sites whose covered set is included in
    another kept site's, then merge the rows again. ``protected`` is a boolean mask over ``columns``.
    Returns a :class:`Reduction`; ``matrix, weights, mapping = reduce(...)`` also works.
    """
    red = merge_rows(coverage, weights, columns)
    if not drop_dominated:
        return red
    drop = dominated_columns(red.matrix, protected)
    if not drop.any():
        return red
    return merge_rows(coverage, weights, red.candidates[~drop])
