"""A proven upper bound for the planner with circuits (K > 1 offices per mediator), by column generation.

Pure numpy/scipy/highspy, no Django. Notation: a reduced covering model ``C`` (``g × c`` CSR: demand
groups × candidate offices) with weights ``w``; a *circuit* is a set of ``K`` distinct offices of one
group (département) that are pairwise compatible (within ``circuit_km``: a ``K``-clique of ``adj``).

Formulation over circuits (``u_t = 1`` when circuit ``t`` is a mediator's)::

    max Σ_i w_i y_i
    y_i ≤ Σ_t cov_it u_t          (μ_i ≥ 0)  cov_it = 1 when one office of t reaches demand group i
    Σ_{t ∋ j} u_t ≤ 1             (π_j ≥ 0)  an office serves one mediator (= 1 when j is forced in)
    Σ_t u_t = M,  département rules (exactly D départements, each with at least one mediator)

A demand group counts once per *circuit* reaching it, not once per office: this is what makes the
relaxation know about circuits (four offices 25 km apart reach overlapping communes, which the
circuit-free relaxation with M·K offices counts as if they were spread out).

**The bound is Lagrangian, and proven for any multipliers.** Relaxing the coverage rows with
``μ ∈ [0, w]`` and the office rows with ``π`` (``π_j ≥ 0``, free for a forced office) gives::

    L(μ, π) = Σ_i (w_i − μ_i) + Σ_j π_j + SP,   SP = max Σ_h n_h v_h
    v_h = max over the circuits t of group h of  μ(cov_t) − Σ_{j ∈ t} π_j

where SP chooses exactly D groups (or the listed ones) and ``1 ≤ n_h ≤ cap_h`` mediators in each
(``cap_h`` = eligible offices of h // K), ``Σ n_h = M``, solved exactly by dynamic programming. Since
every plan is feasible for the relaxed problem (a circuit may even be taken several times), ``L ≥``
the optimum for *every* ``(μ, π)``, **provided each v_h is the exact maximum or an upper bound of
it**. :func:`price` computes ``v_h`` by an exact branch and bound over the cliques of each group (see
there); when its time runs out it returns, for the groups it could not finish, the largest bound of the
subtrees left open, which is still an upper bound. So whatever the multipliers and whatever the time,
``L(μ, π)`` is a valid upper bound; the multipliers only make it tight or loose.

The multipliers come from the LP over the circuits generated so far (restricted master), solved with
HiGHS; the pricing adds the circuits of positive reduced cost and the loop goes on until none is left
(then the LP value of the whole circuit formulation is reached) or the time is up. The best
``L`` met is the bound.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp


@dataclass
class CircuitModel:
    """A reduced circuit planning model (see the module docstring)."""

    matrix: sp.csr_matrix  # g × c coverage (float ones)
    weights: np.ndarray  # g
    adj: sp.csr_matrix  # c × c boolean compatibility (same group, within circuit_km), no diagonal
    group: np.ndarray  # c compact group index
    n_groups: int
    k: int
    m: int
    required: int  # exact number of groups (0: free); with ``explicit`` every group of the model is required
    explicit: bool = False
    forced: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    cap: np.ndarray | None = None  # most mediators per group (default: eligible offices // k)

    def __post_init__(self) -> None:
        self.matrix = sp.csr_matrix(self.matrix, dtype=np.float64)
        self.ct = self.matrix.T.tocsr()
        self.ct.sort_indices()
        self.adj = sp.csr_matrix(self.adj, dtype=bool)
        self.adj.sort_indices()
        c = self.matrix.shape[1]
        if self.cap is None:
            self.cap = np.bincount(self.group, minlength=self.n_groups) // self.k
        self.nbr = [self.adj.indices[self.adj.indptr[i] : self.adj.indptr[i + 1]] for i in range(c)]
        self.members = [np.flatnonzero(self.group == h) for h in range(self.n_groups)]
        self.is_forced = np.zeros(c, dtype=bool)
        self.is_forced[np.asarray(self.forced, dtype=np.int64)] = True

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape


# --------------------------------------------------------------------------------------------------
# Small dense products in one thread
# --------------------------------------------------------------------------------------------------
# The pricing multiplies many small dense matrices. OpenBLAS spreads each product over all cores: on a
# loaded 2-core machine the threads wait for each other and one pricing took 6–8 s instead of 1.2 s
# (measured). So the pricing runs with one BLAS thread, restored afterwards (numpy's bundled OpenBLAS
# through ctypes; a no-op when the library or its functions are not found).


def _openblas():
    cached = _openblas.__dict__.get("lib", False)
    if cached is not False:
        return cached
    lib = None
    root = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(root, "libscipy_openblas*.so*")):
        try:
            candidate = ctypes.CDLL(path)
            getter = candidate.scipy_openblas_get_num_threads64_
            setter = candidate.scipy_openblas_set_num_threads64_
        except (OSError, AttributeError):
            continue
        getter.restype = ctypes.c_int
        setter.argtypes = [ctypes.c_int]
        lib = (getter, setter)
        break
    _openblas.lib = lib
    return lib


@contextlib.contextmanager
def single_thread_blas():
    lib = _openblas()
    if lib is None:
        yield
        return
    getter, setter = lib
    before = int(getter())
    setter(1)
    try:
        yield
    finally:
        setter(before)


# --------------------------------------------------------------------------------------------------
# Circuit values
# --------------------------------------------------------------------------------------------------


def union_matrix(model: CircuitModel, circuits: np.ndarray) -> sp.csr_matrix:
    """``T × g`` 0/1 CSR matrix: demand groups reached by each circuit (rows of ``circuits``, T × K)."""
    circuits = np.asarray(circuits, dtype=np.int64).reshape(-1, model.k)
    t_n = len(circuits)
    inc = sp.csr_matrix(
        (np.ones(circuits.size), (np.repeat(np.arange(t_n), model.k), circuits.ravel())), shape=(t_n, model.shape[1])
    )
    u = (inc @ model.ct).tocsr()
    u.data[:] = 1.0
    u.sort_indices()
    return u


def circuit_values(model: CircuitModel, circuits: np.ndarray, union: sp.csr_matrix, mu, pi) -> np.ndarray:
    """``μ(cov_t) − Σ_{j∈t} π_j`` for each circuit."""
    if not len(circuits):
        return np.zeros(0)
    return union @ mu - pi[np.asarray(circuits, dtype=np.int64)].sum(axis=1)


def subproblem(model: CircuitModel, v: np.ndarray) -> tuple[float, np.ndarray]:
    """``max Σ n_h v_h`` over the département rules (exactly ``required`` groups, or all of them when
    ``explicit``; ``1 ≤ n_h ≤ cap_h``; ``Σ n_h = M``), by dynamic programming. Returns the value and the
    counts ``n`` (−inf and zeros when no choice exists)."""
    m = model.m
    d_req = model.n_groups if model.explicit else model.required
    n_g = model.n_groups
    d_dim = d_req + 1 if d_req > 0 else 1
    neg = -np.inf
    f = np.full((d_dim, m + 1), neg)
    f[0, 0] = 0.0
    choice = []  # per group: array (d_dim, m+1) of n chosen (0 = group unused)
    for h in range(n_g):
        cap = int(min(model.cap[h], m))
        new = f.copy()
        pick = np.zeros((d_dim, m + 1), dtype=np.int32)
        if model.explicit:
            new[:] = neg  # every group must be used
        if np.isfinite(v[h]) and cap >= 1:
            for n in range(1, cap + 1):
                if d_req > 0:
                    cand = np.full((d_dim, m + 1), neg)
                    cand[1:, n:] = f[:-1, : m + 1 - n] + n * v[h]
                else:
                    cand = np.full((d_dim, m + 1), neg)
                    cand[:, n:] = f[:, : m + 1 - n] + n * v[h]
                better = cand > new
                new[better] = cand[better]
                pick[better] = n
        f = new
        choice.append(pick)
    d_end = d_req if d_req > 0 else 0
    value = f[d_end, m]
    counts = np.zeros(n_g, dtype=np.int64)
    if not np.isfinite(value):
        return neg, counts
    d, mm = d_end, m
    for h in range(n_g - 1, -1, -1):
        n = int(choice[h][d, mm])
        counts[h] = n
        if n > 0 and d_req > 0:
            d -= 1
        mm -= n
    return float(value), counts


def lagrangian(model: CircuitModel, mu: np.ndarray, pi: np.ndarray, v: np.ndarray) -> float:
    """``L(μ, π)`` given upper bounds ``v`` of the best circuit value per group (module docstring)."""
    sp_value, _ = subproblem(model, v)
    return float((model.weights - mu).sum() + pi.sum() + sp_value)


def clean_multipliers(model: CircuitModel, mu, pi) -> tuple[np.ndarray, np.ndarray]:
    """Project onto the domain where ``L`` is a bound: ``0 ≤ μ ≤ w``, ``π ≥ 0`` (free when forced)."""
    mu = np.clip(np.nan_to_num(np.asarray(mu, dtype=float)), 0.0, model.weights)
    pi = np.nan_to_num(np.asarray(pi, dtype=float))
    pi = np.where(model.is_forced, pi, np.maximum(pi, 0.0))
    return mu, pi


# --------------------------------------------------------------------------------------------------
# Pricing: the best circuit of each group, by branch and bound
# --------------------------------------------------------------------------------------------------


class _Timeout(Exception):
    pass


@dataclass
class Pricing:
    """Result of :func:`price`: ``v`` (per group) is an upper bound of the best circuit value, exact for
    the groups in ``exact``; ``best`` holds the best circuit found per group (or None); ``columns`` the
    circuits met whose value exceeds the group's threshold (sorted office tuples)."""

    v: np.ndarray
    exact: np.ndarray
    best: list
    columns: list
    nodes: int
    seconds: float


def _local(model: CircuitModel, h: int):
    """Dense data of group ``h`` (cached): offices, demand rows they reach, coverage (n × r) and
    compatibility (n × n) matrices."""
    cache = model.__dict__.setdefault("_local_cache", {})
    got = cache.get(h)
    if got is None:
        offices = model.members[h]
        sub = model.ct[offices]
        rows = np.unique(sub.indices)
        local = sub[:, rows].toarray() if len(rows) else np.zeros((len(offices), 0))
        compat = model.adj[offices][:, offices].toarray()
        got = (offices, rows.astype(np.int64), np.ascontiguousarray(local, dtype=np.float64), compat)
        cache[h] = got
    return got


def price(
    model: CircuitModel,
    mu: np.ndarray,
    pi: np.ndarray,
    lower: np.ndarray | None = None,
    threshold: np.ndarray | None = None,
    deadline: float | None = None,
    per_node: int = 2,
) -> Pricing:
    """Best circuit value ``max_t μ(cov_t) − π(t)`` of every group, exactly (branch and bound).

    Offices of a group are ranked by their own value ``a_j = μ(cov_j) − π_j``; the cliques are split by
    their first member in that rank, and the part of first member ``j`` is bounded by ``a_j`` + the
    ``K − 1`` largest marginal values ``μ(cov_b \\ cov_j) − π_b`` of its later neighbours. Inside a part, a
    node is a partial clique ``S`` with its candidates (common neighbours, sorted by marginal value given
    ``S``); its i-th child takes candidate ``c_i`` and keeps the ``c_{i+1}, …`` that are its neighbours,
    so that the children from ``i`` on hold only cliques made of ``S`` and ``K − |S|`` candidates among
    ``c_i, c_{i+1}, …``, worth at most ``value(S)`` + the ``K − |S|`` marginal values from position ``i``
    (coverage is submodular: an office adds to a larger set at most what it adds to S). Parts and
    children whose bound does not exceed the best circuit found are cut. Two members from the end,
    every compatible pair of candidates is evaluated exactly at once (dense products).

    ``lower``: known lower bounds per group (values of circuits of that group); ``threshold``: per
    group, the value above which a met circuit is kept as a column (at most ``per_node`` per node).
    When ``deadline`` passes, an unfinished group gets the largest bound of its parts not finished
    (an upper bound; ``exact`` False)."""
    with single_thread_blas():
        return _price(model, mu, pi, lower, threshold, deadline, per_node)


def _price(model, mu, pi, lower, threshold, deadline, per_node) -> Pricing:
    t0 = time.perf_counter()
    k = model.k
    v = np.full(model.n_groups, -np.inf)
    exact = np.zeros(model.n_groups, dtype=bool)
    best: list = [None] * model.n_groups
    columns: list = []
    lower = np.full(model.n_groups, -np.inf) if lower is None else np.asarray(lower, dtype=float)
    thr = np.full(model.n_groups, np.inf) if threshold is None else np.asarray(threshold, dtype=float)
    nodes = 0
    timed_out = False
    for h in range(model.n_groups):
        offices, rows, cover, compat = _local(model, h)
        if len(offices) < k:
            exact[h] = True
            continue
        search = _GroupSearch(cover, compat, mu[rows], pi[offices], k, lower[h], thr[h], per_node, deadline)
        if timed_out:
            v[h] = max(lower[h], float(search.ub1.max()))
            continue
        v[h], exact[h] = search.run()
        timed_out = not exact[h]
        nodes += search.nodes
        if search.best is not None:
            best[h] = tuple(sorted(int(offices[x]) for x in search.best))
        columns.extend(tuple(sorted(int(offices[x]) for x in t)) for t in search.found)
    return Pricing(v, exact, best, list(dict.fromkeys(columns)), nodes, time.perf_counter() - t0)


class _GroupSearch:
    """Branch and bound of :func:`price` over the cliques of one group (local, dense indices)."""

    def __init__(self, cover, compat, mu_l, pi_l, k, lower, threshold, per_node, deadline):
        self.cover, self.compat, self.mu_l, self.pi_l, self.k = cover, compat, mu_l, pi_l, k
        self.lb, self.thr, self.per_node, self.deadline = float(lower), float(threshold), per_node, deadline
        self.best = None
        self.found: list = []
        self.nodes = 0
        n = len(pi_l)
        a = cover @ mu_l - pi_l
        self.a = a
        overlap = (cover * mu_l) @ cover.T
        rank = np.empty(n, dtype=np.int64)
        rank[np.argsort(-a, kind="stable")] = np.arange(n)
        self.later = compat & (rank[None, :] > rank[:, None])
        if k > 1:
            marg = np.where(self.later, a[None, :] - overlap, -np.inf)
            top = -np.sort(-marg, axis=1)[:, : k - 1]
            ub1 = a + top.sum(axis=1)
            ub1[~np.isfinite(top[:, -1])] = -np.inf
        else:
            ub1 = a.copy()
        self.ub1 = ub1

    def run(self) -> tuple[float, bool]:
        """(best value or an upper bound of it, exact)."""
        anchors = np.argsort(-self.ub1, kind="stable")
        for idx, j in enumerate(anchors):
            if not self.ub1[j] > self.lb:
                break
            try:
                self.dfs([int(j)], float(self.a[j]), np.flatnonzero(self.later[j]), self.mu_l * (1.0 - self.cover[j]))
            except _Timeout:
                return max(self.lb, float(self.ub1[anchors[idx:]].max())), False
        return self.lb, True

    def keep(self, members: tuple, value: float) -> None:
        if value > self.lb:
            self.lb = float(value)
            self.best = members

    def dfs(self, members: list, value: float, cand: np.ndarray, free: np.ndarray) -> None:
        self.nodes += 1
        if self.deadline is not None and self.nodes % 64 == 0 and time.perf_counter() > self.deadline:
            raise _Timeout
        need = self.k - len(members)
        gn = self.cover[cand] @ free - self.pi_l[cand]
        if need == 1:  # the best last member
            q = int(np.argmax(gn))
            self.keep((*members, int(cand[q])), value + gn[q])
            if self.thr < np.inf:
                good = np.flatnonzero(value + gn > self.thr + 1e-9)
                self.found += [(*members, int(cand[q2])) for q2 in good[np.argsort(-gn[good])][: self.per_node]]
            return
        order = np.argsort(-gn, kind="stable")
        cand, gn = cand[order], gn[order]
        if len(cand) < need or value + gn[:need].sum() <= self.lb:
            return
        if need == 2:  # every compatible pair of candidates at once
            sub = self.cover[cand]
            total = value + gn[:, None] + gn[None, :] - (sub * free) @ sub.T
            total = np.where(np.triu(self.compat[np.ix_(cand, cand)], 1), total, -np.inf)
            flat = total.ravel()
            f = int(np.argmax(flat))
            self.keep((*members, *(int(cand[x]) for x in divmod(f, len(cand)))), flat[f])
            if self.thr < np.inf:
                good = np.flatnonzero(flat > self.thr + 1e-9)
                for f2 in good[np.argsort(-flat[good])][: self.per_node]:
                    self.found.append((*members, *(int(cand[x]) for x in divmod(int(f2), len(cand)))))
            return
        window = np.convolve(gn, np.ones(need), mode="valid")
        for i in range(len(window)):
            if value + window[i] <= self.lb:
                break
            q = int(cand[i])
            keep = self.compat[q, cand[i + 1 :]]
            sub = cand[i + 1 :][keep]
            gsub = gn[i + 1 :][keep]  # sorted (decreasing), upper bounds of the gains given S + q
            if len(sub) < need - 1 or value + gn[i] + gsub[: need - 1].sum() <= self.lb:
                continue
            self.dfs([*members, q], value + float(gn[i]), sub, free * (1.0 - self.cover[q]))


def _members_of(sorted_nbr: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Boolean mask: which ``values`` are in the sorted array ``sorted_nbr``."""
    if not len(sorted_nbr) or not len(values):
        return np.zeros(len(values), dtype=bool)
    idx = np.minimum(np.searchsorted(sorted_nbr, values), len(sorted_nbr) - 1)
    return sorted_nbr[idx] == values


# --------------------------------------------------------------------------------------------------
# Greedy circuits (starting columns)
# --------------------------------------------------------------------------------------------------


def greedy_circuits(model: CircuitModel, mu: np.ndarray, pi: np.ndarray, seeds: np.ndarray | None = None) -> list:
    """From each seed office, the circuit built by adding K − 1 times the compatible office of largest
    marginal value ``μ(new demand) − π``: cheap, varied starting columns for the master."""
    ct = model.ct
    ip, ind = ct.indptr, ct.indices
    free = mu.astype(np.float64).copy()
    out = []
    seeds = np.arange(model.shape[1]) if seeds is None else seeds
    for s in seeds:
        members = [int(s)]
        pool = model.nbr[s]
        touched = [ind[ip[s] : ip[s + 1]]]
        saved = [free[touched[0]].copy()]
        free[touched[0]] = 0.0
        ok = True
        for _ in range(model.k - 1):
            if not len(pool):
                ok = False
                break
            starts = ip[pool]
            lens = ip[pool + 1] - starts
            total = int(lens.sum())
            if total:
                offsets = np.cumsum(lens) - lens
                idx = np.repeat(starts - offsets, lens) + np.arange(total)
                gains = np.bincount(np.repeat(np.arange(len(pool)), lens), free[ind[idx]], minlength=len(pool))
            else:
                gains = np.zeros(len(pool))
            q = int(pool[int(np.argmax(gains - pi[pool]))])
            members.append(q)
            rows = ind[ip[q] : ip[q + 1]]
            touched.append(rows)
            saved.append(free[rows].copy())
            free[rows] = 0.0
            pool = pool[_members_of(model.nbr[q], pool)]
        for rows, val in zip(reversed(touched), reversed(saved), strict=True):
            free[rows] = val
        if ok:
            out.append(tuple(sorted(members)))
    return list(dict.fromkeys(out))


# --------------------------------------------------------------------------------------------------
# Column generation
# --------------------------------------------------------------------------------------------------


@dataclass
class ColumnGeneration:
    """Result of :func:`column_generation`."""

    bound: float  # best Lagrangian bound met (proven, see the module docstring)
    bound_at: float  # seconds after the start when it was met
    lp_value: float  # last restricted master LP value (a lower bound of the full LP, not a bound)
    lp_optimal: bool  # pricing proved that no column improves the LP (the full LP value is reached)
    iterations: int
    circuits: np.ndarray  # T × K generated circuits
    u: np.ndarray  # last LP values of the circuits
    reduced_costs: np.ndarray  # of the circuits at the last master duals (≤ 0 once the LP is solved)
    mu: np.ndarray  # multipliers of the best bound
    pi: np.ndarray
    history: list = field(default_factory=list)  # (seconds, bound, lp value, columns)


class Master:
    """The restricted master LP over a growing set of circuits (HiGHS, warm-started between solves)."""

    def __init__(self, model: CircuitModel, seed: int = 0):
        self.model = model
        g, c = model.shape
        n_g = model.n_groups
        self.with_z = model.required > 0 and not model.explicit
        self.with_groups = model.required > 0 or model.explicit
        h = highspy.Highs()
        h.silent()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("random_seed", int(seed))
        h.setOptionValue("solver", "simplex")
        self.h = h
        inf = highspy.kHighsInf
        # rows: coverage (g), offices (c), cardinality (1), groups lo (n_g), hi (n_g, with z), sum z (1)
        lo = [np.full(g, -inf), np.where(model.is_forced, 1.0, -inf), np.array([float(model.m)])]
        hi = [np.zeros(g), np.ones(c), np.array([float(model.m)])]
        self.row_cover, self.row_office, self.row_card = 0, g, g + c
        self.row_lo = g + c + 1
        if self.with_groups:
            lo.append(np.zeros(n_g) if self.with_z else np.ones(n_g))
            hi.append(np.full(n_g, inf))
        self.row_hi = self.row_lo + (n_g if self.with_groups else 0)
        if self.with_z:
            lo.append(np.full(n_g, -inf))
            hi.append(np.zeros(n_g))
            lo.append(np.array([float(model.required)]))
            hi.append(np.array([float(model.required)]))
        lo_all, hi_all = np.concatenate(lo), np.concatenate(hi)
        self.n_rows = len(lo_all)
        h.addRows(self.n_rows, lo_all, hi_all, 0, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        # y columns
        starts = np.arange(g, dtype=np.int32)
        h.addCols(
            g, model.weights.astype(float), np.zeros(g), np.ones(g), g, starts, np.arange(g, dtype=np.int32), np.ones(g)
        )
        self.n_cols = g
        if self.with_z:
            rows = np.stack(
                [self.row_lo + np.arange(n_g), self.row_hi + np.arange(n_g), np.full(n_g, self.row_hi + n_g)], 1
            )
            vals = np.stack([-np.ones(n_g), -model.cap.astype(float), np.ones(n_g)], 1)
            h.addCols(
                n_g, np.zeros(n_g), np.zeros(n_g), np.ones(n_g), 3 * n_g, (3 * np.arange(n_g)).astype(np.int32),
                rows.ravel().astype(np.int32), vals.ravel(),
            )  # fmt: skip
            self.n_cols += n_g
        self.first_u = self.n_cols
        self.circuits: list = []
        self.index: dict = {}

    def add(self, circuits: list) -> int:
        """Add new circuits (sorted tuples); returns how many were new."""
        new = [t for t in circuits if t not in self.index]
        if not new:
            return 0
        m = self.model
        arr = np.asarray(new, dtype=np.int64).reshape(-1, m.k)
        union = union_matrix(m, arr)
        parts_rows, parts_vals, starts = [], [], []
        pos = 0
        grp = m.group[arr[:, 0]]
        for i in range(len(arr)):
            cov = union.indices[union.indptr[i] : union.indptr[i + 1]].astype(np.int64)
            rows = [cov, self.row_office + arr[i], [self.row_card]]
            vals = [-np.ones(len(cov)), np.ones(m.k), [1.0]]
            if self.with_groups:
                rows.append([self.row_lo + grp[i]])
                vals.append([1.0])
            if self.with_z:
                rows.append([self.row_hi + grp[i]])
                vals.append([1.0])
            r = np.concatenate([np.asarray(x, dtype=np.int64) for x in rows])
            starts.append(pos)
            pos += len(r)
            parts_rows.append(r)
            parts_vals.append(np.concatenate([np.asarray(x, dtype=float) for x in vals]))
        n = len(arr)
        # no upper bound on u: the office rows already keep u ≤ 1, and a bound u ≤ 1 would take duals that
        # belong to the office rows (then circuits at 1 keep a positive reduced cost and the Lagrangian bound
        # stays above the LP value: measured 0.9 % above it with K = 2)
        self.h.addCols(
            n, np.zeros(n), np.zeros(n), np.full(n, highspy.kHighsInf), pos, np.asarray(starts, dtype=np.int32),
            np.concatenate(parts_rows).astype(np.int32), np.concatenate(parts_vals),
        )  # fmt: skip
        for t in new:
            self.index[t] = len(self.circuits)
            self.circuits.append(t)
        self.n_cols += n
        return n

    def solve(self, time_limit: float) -> tuple[str, float]:
        self.h.setOptionValue("time_limit", max(float(time_limit), 0.05))
        self.h.run()
        status = self.h.modelStatusToString(self.h.getModelStatus())
        return status, float(self.h.getInfo().objective_function_value)

    def duals(self):
        """(μ, π, threshold per group): a circuit of group h has a positive reduced cost when
        μ(cov_t) − π(t) > threshold_h."""
        m = self.model
        g, c = m.shape
        y = np.asarray(self.h.getSolution().row_dual)
        # HiGHS (maximisation): the dual of a ≤ row is ≥ 0 with this sign
        mu = y[:g]
        pi = y[g : g + c]
        thr = np.full(m.n_groups, y[self.row_card])
        if self.with_groups:
            thr = thr + y[self.row_lo : self.row_lo + m.n_groups]
        if self.with_z:
            thr = thr + y[self.row_hi : self.row_hi + m.n_groups]
        return mu, pi, thr

    def u(self) -> np.ndarray:
        x = np.asarray(self.h.getSolution().col_value)
        return x[self.first_u : self.first_u + len(self.circuits)]


def column_generation(
    model: CircuitModel,
    initial: list,
    deadline: float,
    *,
    seed: int = 0,
    start: float | None = None,
    lower_bound: float = 0.0,
    stop_gap: float = 0.0,
    smoothing: float = 0.3,
    max_new: int = 1000,
    greedy_seeds: int = 1500,
    log=None,
) -> ColumnGeneration:
    """Lagrangian bound from the duals of the restricted master LP, with exact pricing (module docstring).

    Each iteration solves the master, prices at the duals (smoothed towards the multipliers of the best
    bound so far, Wentges' stabilisation, when ``smoothing > 0``), evaluates ``L`` at the priced point
    (a proven bound, whatever the point) and adds at most ``max_new`` circuits of positive reduced cost
    for the master duals. Stops when no circuit has a positive reduced cost (the LP over all circuits
    is solved), when the bound is within ``stop_gap`` of ``lower_bound`` (a known plan), or at
    ``deadline``."""
    start = time.perf_counter() if start is None else start
    master = Master(model, seed)
    master.add(initial)
    best = np.inf
    best_at = 0.0
    best_mu = best_pi = None
    history = []
    lp_value = -np.inf
    lp_optimal = False
    last_duals = None
    it = 0
    while time.perf_counter() < deadline:
        it += 1
        t_it = time.perf_counter()
        status, lp_value = master.solve(deadline - time.perf_counter())
        t_lp = time.perf_counter() - t_it
        if status != "Optimal":
            break
        mu_lp, pi_lp, thr = master.duals()
        mu, pi = clean_multipliers(model, mu_lp, pi_lp)
        last_duals = (mu, pi, thr)
        arr = np.asarray(master.circuits, dtype=np.int64)
        union = union_matrix(model, arr)
        groups_of = model.group[arr[:, 0]]
        for attempt in (0, 1):
            alpha = smoothing if (attempt == 0 and best_mu is not None) else 0.0
            mu_s, pi_s = (
                clean_multipliers(model, alpha * best_mu + (1 - alpha) * mu, alpha * best_pi + (1 - alpha) * pi)
                if alpha > 0
                else (mu, pi)
            )
            lower = np.full(model.n_groups, -np.inf)
            np.maximum.at(lower, groups_of, circuit_values(model, arr, union, mu_s, pi_s))
            pr = price(model, mu_s, pi_s, lower=lower, threshold=thr if alpha == 0 else lower, deadline=deadline)
            bound = lagrangian(model, mu_s, pi_s, pr.v)
            if bound < best:
                best, best_at, best_mu, best_pi = bound, time.perf_counter() - start, mu_s, pi_s
            cands = list(dict.fromkeys([*pr.columns, *(t for t in pr.best if t is not None)]))
            if alpha == 0 and greedy_seeds and len(cands) < max_new // 10:
                # the branch and bound only opens the parts that can beat the best circuit of their group, so
                # it may find few columns (K = 2: ≈ 100 per iteration, 36 iterations left the bound 0.5 % above
                # the LP value): then the greedy circuits of the most valuable offices add more
                own = model.ct @ mu - pi
                seeds = np.argsort(-own)[:greedy_seeds]
                cands = list(dict.fromkeys([*cands, *greedy_circuits(model, mu, pi, seeds)]))
            cands = [t for t in cands if t not in master.index]
            if cands:  # keep those of positive reduced cost for the master duals, the best first
                c_arr = np.asarray(cands, dtype=np.int64)
                rc = circuit_values(model, c_arr, union_matrix(model, c_arr), mu, pi) - thr[model.group[c_arr[:, 0]]]
                good = np.flatnonzero(rc > 1e-6 * max(1.0, abs(lp_value)) * 1e-3)
                cands = [cands[i] for i in good[np.argsort(-rc[good])][:max_new]]
            if cands or alpha == 0 or time.perf_counter() > deadline:
                break  # (a smoothed point that gives no column: price again at the master duals)
        added = master.add(cands)
        history.append(
            {
                "s": round(time.perf_counter() - start, 2),
                "lp_s": round(t_lp, 2),
                "price_s": round(pr.seconds, 2),
                "bound": round(best, 1),
                "lp": round(lp_value, 1),
                "columns": len(master.circuits),
            }
        )
        if log:
            log(
                f"it {it} t={time.perf_counter() - start:.1f} lp={lp_value:,.0f} ({t_lp:.1f}s) L={bound:,.0f} "
                f"best={best:,.0f} cols={len(master.circuits)} +{added} nodes={pr.nodes} price={pr.seconds:.2f}s"
            )
        if added == 0 and pr.exact.all() and alpha == 0:
            lp_optimal = True
            break
        if best <= lower_bound * (1 + stop_gap):
            break
    circuits = np.asarray(master.circuits, dtype=np.int64).reshape(-1, model.k)
    reduced = np.zeros(len(circuits))
    if last_duals is not None and len(circuits):
        mu, pi, thr = last_duals
        values = circuit_values(model, circuits, union_matrix(model, circuits), mu, pi)
        reduced = values - thr[model.group[circuits[:, 0]]]
    return ColumnGeneration(
        best, best_at, lp_value, lp_optimal, it, circuits, master.u(), reduced, best_mu, best_pi, history
    )


def restricted_mip(
    model: CircuitModel, circuits: list, start: list, time_limit: float, *, seed: int = 0, gap: float = 1e-4
) -> tuple[list | None, str]:
    """The circuit MILP restricted to ``circuits`` (with ``start``, a feasible plan given as circuits,
    added and passed as the starting solution): a heuristic for better plans (its dual bound only
    holds for the restricted problem, so it is not kept). Returns (plan as circuits or None, status)."""
    master = Master(model, seed)
    master.add(list(dict.fromkeys([*start, *circuits])))
    h = master.h
    h.setOptionValue("mip_rel_gap", float(gap))
    h.setOptionValue("solver", "choose")
    n = master.n_cols
    integ = np.zeros(n, dtype=np.uint8)
    integ[master.first_u :] = 1
    if master.with_z:
        integ[model.shape[0] : master.first_u] = 1
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), integ)
    if start:
        u = np.zeros(len(master.circuits))
        u[[master.index[t] for t in start]] = 1.0
        union = union_matrix(model, np.asarray(start, dtype=np.int64))
        y = np.zeros(model.shape[0])
        y[union.indices] = 1.0
        parts = [y]
        if master.with_z:
            z = np.zeros(model.n_groups)
            z[model.group[np.asarray(start, dtype=np.int64)[:, 0]]] = 1.0
            parts.append(z)
        parts.append(u)
        sol = highspy.HighsSolution()
        sol.col_value = np.concatenate(parts)
        sol.value_valid = True
        h.setSolution(sol)
    status, _ = master.solve(time_limit)
    info = h.getInfo()
    if info.primal_solution_status < 1:
        return None, status
    x = master.u()
    plan = [master.circuits[i] for i in np.flatnonzero(x > 0.5)]
    return (plan if len(plan) == model.m else None), status
