"""Deployment planner: where do M mediators go, each with K post offices? (pure numpy/scipy/highspy).

No Django import: plain arrays in, plain dataclasses out, so that it can be tested with hypothesis and
benchmarked outside the web application.

Problem. Choose ``M`` mediators, each with exactly ``K`` distinct offices (an office serves at most one
mediator); the ``K`` offices of a mediator are pairwise within ``circuit_km`` (great circle) and belong to
the same group (département); when ``departements = D > 0`` the plan uses exactly ``D`` groups (or every
group of an explicit ``group_list``), each chosen group receiving at least one mediator. Maximise the
total weight of demand points lying within ``reach_km`` of at least one chosen office. With ``K = 1``
(circuits are then irrelevant) and ``D = 0`` this is the classical maximal covering location problem
(MCLP) with exactly ``M`` sites.

Method (see ``solve``): reduce the model, greedy + swap local search, LP relaxation (HiGHS interior
point) for a proven upper bound, then a MILP (HiGHS) restricted to the offices the LP uses, warm-started
with the incumbent, and a last swap pass on all candidates. For ``K = 1`` the MILP model is exact; for
``K > 1`` offices are grouped into circuits (see ``solve_circuits`` and ``heuristics.CircuitSearch``).

Bounds, honestly: ``objective ≤ upper_bound ≤ reachable_weight ≤ Σ weights`` always, where the
reachable weight counts the demand points within reach of at least one eligible site (no plan reaches
more: it is the first bound, before any solver runs). For ``K = 1`` the bound is then the LP
relaxation's (certified by the Lagrangian bound of its duals) or the full MILP's dual bound; when the LP
does not finish in time (a national instance with a few seconds), a subgradient descent on the
Lagrangian dual from the incumbent plan gives the bound instead (2–8 % above the plan on the national
instance, where the sum of the ``p`` best single-office coverages, used before, counted a commune once
per office reaching it: up to 2 billion inhabitants). For ``K > 1`` it is the LP relaxation of the maximal covering
problem with M·K offices and the département constraints (each chosen département gets at least K
offices), which ignores circuits: valid, since circuits only restrict the problem, but loose when the
circuit radius binds (≈ 10 % on the national default scenario). When the circuits are few enough to
enumerate (``MAX_CIRCUITS``) an exact circuit MILP is solved, whose dual bound can prove optimality.
Otherwise (the national instances) the bound is the Lagrangian bound of the formulation over circuits
(a commune counts once per circuit reaching it), with multipliers from a column generation and the best
circuit of each département proven by branch and bound (``circuit_bound``): 46.0–46.3 M on the default
scenario (population) against 49.7 M for the circuit-free LP. The plan then comes from the circuit
MILP restricted to the circuits of that LP and from kicks of the local search (``_circuit_columns``).
``stats["bound_source"]`` says which bound was kept and ``stats["bound_seconds"]`` after how long.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

from tremplin.opendata.geo import unit_vectors
from tremplin.planning.coverage import Reduction, build_coverage, reduce
from tremplin.planning.feasibility import PlanningError, check_feasibility
from tremplin.planning.heuristics import (
    CircuitSearch,
    compatibility,
    enumerate_circuits,
    greedy,
    iterated_swap_search,
    objective,
    swap_search,
)

__all__ = [
    "Plan",
    "PlanningError",
    "PlanningInstance",
    "PlanningParams",
    "build_coverage",
    "reduce",
    "solve",
    "validate",
]

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class PlanningInstance:
    """Demand points (commune centroids) with weights, and candidate sites with their group.

    ``demand_latlon`` (n, 2) and ``site_latlon`` (m, 2) are in degrees; ``weights`` (n,) are >= 0;
    ``site_group`` (m,) is an integer département index per site.
    """

    demand_latlon: np.ndarray
    weights: np.ndarray
    site_latlon: np.ndarray
    site_group: np.ndarray


@dataclass(frozen=True)
class PlanningParams:
    """Parameters of a planning run.

    ``departements`` is the number D of groups to use (0: no département constraint); an explicit
    ``group_list`` takes precedence (every listed group gets at least one mediator, no other group is
    used). ``forced_in``/``forced_out`` are site indices. ``gap_tolerance`` is the relative gap under
    which the solver stops improving (HiGHS ``mip_rel_gap``).
    """

    mediators: int = 100
    offices_per_mediator: int = 4
    reach_km: float = 10
    circuit_km: float = 25
    departements: int = 57
    group_list: tuple[int, ...] | None = None
    forced_in: tuple[int, ...] = ()
    forced_out: tuple[int, ...] = ()
    time_limit_s: float = 60
    seed: int = 0
    gap_tolerance: float = 1e-4

    @property
    def offices(self) -> int:
        return self.mediators * self.offices_per_mediator


@dataclass
class Plan:
    """Result of :func:`solve`.

    ``mediators``: one ``(group, [site indices])`` per mediator. ``objective``: total weight reached.
    ``upper_bound``: a proven upper bound on the optimum (see ``stats["bound_source"]``); ``gap`` is
    ``(upper_bound - objective) / upper_bound``. ``status``: ``"optimal"`` only when HiGHS proved it or the
    gap is zero; ``"feasible"`` when a gap remains after the search finished within the time limit;
    ``"time_limit"`` when the time limit cut the search. ``covered``: bool (n,) demand points reached.
    ``reachable_weight``: total weight of the demand points within reach of at least one eligible site;
    no plan reaches more, so ``objective ≤ upper_bound ≤ reachable_weight ≤ Σ weights`` always.
    """

    mediators: list[tuple[int, list[int]]]
    objective: float
    upper_bound: float
    gap: float
    status: str
    covered: np.ndarray
    timings: dict[str, float] = field(default_factory=dict)
    stats: dict = field(default_factory=dict)
    reachable_weight: float = float("nan")

    @property
    def sites(self) -> list[int]:
        """All chosen site indices."""
        return [s for _, offices in self.mediators for s in offices]


# --------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------


def _as_arrays(instance: PlanningInstance):
    demand = np.asarray(instance.demand_latlon, dtype=float)
    weights = np.asarray(instance.weights, dtype=float)
    sites = np.asarray(instance.site_latlon, dtype=float)
    groups = np.asarray(instance.site_group)
    return demand, weights, sites, groups


def _chosen_groups(params: PlanningParams, groups: np.ndarray) -> tuple[np.ndarray | None, int]:
    """(explicit list of allowed groups or None, number of groups required: 0 means unconstrained)."""
    if params.group_list is not None:
        return np.asarray(sorted(set(params.group_list)), dtype=np.int64), len(set(params.group_list))
    return None, int(params.departements)


def validate(instance: PlanningInstance, params: PlanningParams) -> None:
    """Check the instance and the parameters; raise :class:`PlanningError` with a French message."""
    demand, weights, sites, groups = _as_arrays(instance)
    if demand.ndim != 2 or demand.shape[1] != 2:
        raise PlanningError("Les points de demande doivent être un tableau (n, 2) de latitudes et longitudes.")
    if sites.ndim != 2 or sites.shape[1] != 2:
        raise PlanningError("Les sites candidats doivent être un tableau (m, 2) de latitudes et longitudes.")
    if weights.shape != (len(demand),):
        raise PlanningError(f"Il faut un poids par point de demande ({len(demand)}), reçu {weights.shape}.")
    if groups.shape != (len(sites),):
        raise PlanningError(f"Il faut un département par site candidat ({len(sites)}), reçu {groups.shape}.")
    if len(groups) and not np.issubdtype(groups.dtype, np.integer):
        raise PlanningError("Les départements des sites doivent être des indices entiers.")
    if not (np.isfinite(demand).all() and np.isfinite(sites).all()):
        raise PlanningError("Coordonnées manquantes ou invalides (NaN) parmi les points ou les sites.")
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise PlanningError("Les poids des points de demande doivent être des nombres positifs ou nuls.")
    if not np.isfinite(params.reach_km) or params.reach_km < 0:
        raise PlanningError(f"Le rayon d'accessibilité doit être positif ou nul (reçu {params.reach_km} km).")
    if not np.isfinite(params.circuit_km) or params.circuit_km < 0:
        raise PlanningError(f"Le rayon de tournée doit être positif ou nul (reçu {params.circuit_km} km).")
    if not params.time_limit_s > 0:
        raise PlanningError("La limite de temps doit être strictement positive.")
    m = len(sites)
    for name, idx in (("à imposer", params.forced_in), ("à exclure", params.forced_out)):
        bad = [s for s in idx if not 0 <= int(s) < m]
        if bad:
            raise PlanningError(f"Sites {name} inconnus : {bad} (il y a {m} sites candidats).")
    existing = set(np.unique(groups).tolist())
    if params.group_list is not None:
        unknown = sorted(set(params.group_list) - existing)
        if unknown:
            raise PlanningError(f"Départements inconnus (aucun site candidat) : {unknown}.")
    eligible = np.ones(m, dtype=bool)
    eligible[list(params.forced_out)] = False
    uniq, counts = np.unique(groups[eligible], return_counts=True)
    forced_in = [int(s) for s in params.forced_in]
    check_feasibility(
        dict(zip(uniq.tolist(), counts.tolist(), strict=True)),
        mediators=params.mediators,
        offices_per_mediator=params.offices_per_mediator,
        departements=params.departements,
        group_list=None if params.group_list is None else [int(g) for g in params.group_list],
        forced_in=forced_in,
        forced_out=[int(s) for s in params.forced_out],
        forced_in_groups=[int(groups[s]) for s in forced_in],
    )


# --------------------------------------------------------------------------------------------------
# HiGHS models
# --------------------------------------------------------------------------------------------------


@dataclass
class _GroupModel:
    """Group constraint data over the reduced candidate columns."""

    group: np.ndarray  # (c,) compact group index of each candidate
    n_groups: int
    required: int  # exact number of groups to use (0 = unconstrained)
    all_required: bool  # explicit list: every group must be used


def _highs(time_limit: float, seed: int, gap: float | None = None) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(float(time_limit), 0.05))
    h.setOptionValue("random_seed", int(seed))
    if gap is not None:
        h.setOptionValue("mip_rel_gap", float(gap))
    return h


def _model(
    matrix: sp.csr_matrix,
    weights: np.ndarray,
    p: int,
    at_most: bool,
    groups: _GroupModel | None,
    k: int,
    fixed: np.ndarray,
    integer: bool,
) -> highspy.HighsLp:
    """MCLP model: columns [x (c sites), y (g demand groups), z (groups)], maximise Σ w y.

    Rows: y_i − Σ_{j covers i} x_j ≤ 0; Σ x = p (≤ p when ``at_most``); with groups: x_j − z_{g(j)} ≤ 0,
    Σ_{j∈h} x_j − k z_h ≥ 0 and Σ z = D.
    """
    g, c = matrix.shape
    blocks = [[-sp.csr_matrix(matrix), sp.identity(g, format="csr"), None]]
    lower = [np.full(g, -np.inf)]
    upper = [np.zeros(g)]
    n_z = 0
    card = sp.csr_matrix(np.ones((1, c)))
    if groups is not None and groups.required > 0:
        n_z = groups.n_groups
        member = sp.csr_matrix((np.ones(c), (np.arange(c), groups.group)), shape=(c, n_z))
        blocks[0][2] = sp.csr_matrix((g, n_z))
        blocks.append([card, sp.csr_matrix((1, g)), sp.csr_matrix((1, n_z))])
        blocks.append([sp.identity(c, format="csr"), sp.csr_matrix((c, g)), -member])
        blocks.append([member.T.tocsr(), sp.csr_matrix((n_z, g)), -k * sp.identity(n_z, format="csr")])
        blocks.append([sp.csr_matrix((1, c)), sp.csr_matrix((1, g)), sp.csr_matrix(np.ones((1, n_z)))])
        lower += [
            np.array([-np.inf if at_most else p]),
            np.full(c, -np.inf),
            np.zeros(n_z),
            np.array([groups.required]),
        ]
        upper += [np.array([p]), np.zeros(c), np.full(n_z, np.inf), np.array([groups.required])]
    else:
        blocks[0] = blocks[0][:2]
        blocks.append([card, sp.csr_matrix((1, g))])
        lower.append(np.array([-np.inf if at_most else p]))
        upper.append(np.array([p]))
    a = sp.bmat(blocks, format="csc")
    a.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_ = c + g + n_z
    lp.num_row_ = a.shape[0]
    lp.col_cost_ = np.concatenate([np.zeros(c), weights, np.zeros(n_z)])
    col_lower = np.zeros(c + g + n_z)
    col_lower[fixed] = 1.0
    if groups is not None and groups.required > 0 and groups.all_required:
        col_lower[c + g :] = 1.0
    lp.col_lower_ = col_lower
    lp.col_upper_ = np.ones(c + g + n_z)
    lp.row_lower_ = np.concatenate(lower)
    lp.row_upper_ = np.concatenate(upper)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    if integer:
        integ = [highspy.HighsVarType.kInteger] * c + [highspy.HighsVarType.kContinuous] * g
        integ += [highspy.HighsVarType.kInteger] * n_z
        lp.integrality_ = integ
    return lp


def _lagrangian_sites(s: np.ndarray, p: int, fixed: np.ndarray) -> np.ndarray:
    """Maximiser of the Lagrangian subproblem: the fixed sites and the ``p − |fixed|`` largest ``s_j``."""
    chosen = np.zeros(len(s), dtype=bool)
    chosen[fixed] = True
    free = np.flatnonzero(~chosen)
    room = min(max(p - int(chosen.sum()), 0), len(free))
    if room:
        chosen[free[np.argpartition(-s[free], room - 1)[:room]]] = True
    return chosen


def lagrangian_bound(matrix: sp.csr_matrix, weights: np.ndarray, mu: np.ndarray, p: int, fixed: np.ndarray) -> float:
    """Upper bound of the MCLP with ``p`` sites (``fixed`` ones included) for multipliers ``mu``.

    Relaxing ``y_i ≤ Σ x_j`` with ``μ ∈ [0, w]`` gives ``Σ_i (w_i − μ_i) + Σ of the p largest s_j`` (fixed
    sites first), with ``s = Cᵀ μ``. Valid for any ``μ``, so it certifies an LP bound numerically.
    Group and circuit constraints only restrict the problem, so it bounds them too.

    ``μ = 0`` gives the reachable weight ``Σ w`` (every demand group of the reduced model is covered by
    some candidate); ``μ = w`` gives the sum of the ``p`` largest covered weights, which counts a demand
    point once per site reaching it and so exceeds ``Σ w`` as soon as sites overlap; ``μ = w`` on the
    demand left uncovered by a plan ``S`` gives ``f(S) + the p largest marginal gains`` (the classical
    data-dependent bound of submodular maximisation).
    """
    mu = np.clip(np.nan_to_num(np.abs(mu)), 0, weights)
    s = matrix.T @ mu
    return float((weights - mu).sum() + s[_lagrangian_sites(s, p, fixed)].sum())


def lagrangian_descent(
    matrix: sp.csr_matrix,
    weights: np.ndarray,
    mu: np.ndarray,
    p: int,
    fixed: np.ndarray,
    value: float,
    *,
    iterations: int = 300,
    deadline: float | None = None,
) -> tuple[float, np.ndarray]:
    """Best Lagrangian bound met by a projected subgradient descent from ``mu`` (Polyak steps towards the
    incumbent ``value``), with the multipliers that gave it. Each step is one sparse product each way
    (≈ 0.6 ms on the national instance): the fallback when the LP relaxation did not finish in time."""
    mu = np.clip(np.nan_to_num(np.abs(np.asarray(mu, dtype=float))), 0, weights)
    best, best_mu = np.inf, mu
    step = 1.0
    for it in range(iterations):
        s = matrix.T @ mu
        chosen = _lagrangian_sites(s, p, fixed)
        bound = float((weights - mu).sum() + s[chosen].sum())
        if bound < best:
            best, best_mu = bound, mu
        subgradient = matrix @ chosen.astype(float) - 1.0  # ∂L/∂μ_i = (number of chosen sites covering i) − 1
        subgradient[((mu <= 0) & (subgradient > 0)) | ((mu >= weights) & (subgradient < 0))] = 0.0  # projected
        norm = float(subgradient @ subgradient)
        if norm == 0 or best - value <= 1e-9 * max(abs(best), 1.0):
            break
        mu = np.clip(mu - step * (bound - value) / norm * subgradient, 0, weights)
        if it % 30 == 29:
            step *= 0.7
        if deadline is not None and time.perf_counter() > deadline:
            break
    return best, best_mu


@dataclass
class _LpResult:
    bound: float
    source: str
    x: np.ndarray | None
    status: str
    seconds: float
    mu: np.ndarray | None = None


def _solve_lp(matrix, weights, p, at_most, groups, k, fixed, time_limit, seed, incumbent=None) -> _LpResult:
    """LP relaxation: interior point without crossover (no group constraint) or dual simplex (with
    département constraints), as measured fastest on the national instance.

    The bound is the smallest of: the reachable weight ``Σ w`` (no plan reaches more), the Lagrangian
    bound of the LP duals (valid for any duals) and, with département constraints, the LP objective when
    HiGHS proves it optimal. When the LP did not reach optimality (time limit on a big instance), a
    subgradient descent from the multipliers of the incumbent plan (a boolean mask over the candidates)
    gives a valid bound instead of an empty one."""
    t = time.perf_counter()
    g, c = matrix.shape
    h = _highs(time_limit, seed)
    if groups is not None and groups.required > 0:
        h.setOptionValue("solver", "simplex")  # dual simplex: 3 s against 16 s for IPM (national, D = 57)
    else:
        h.setOptionValue("solver", "ipm")  # 2.7 s against 4.7 s for dual simplex (national, D = 0)
        h.setOptionValue("run_crossover", "off")
        h.setOptionValue("presolve", "off")
    h.passModel(_model(matrix, weights, p, at_most, groups, k, fixed, integer=False))
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    sol = h.getSolution()
    x = None
    mu_best = None
    bound, source = float(weights.sum()), "reachable weight"
    if sol.dual_valid and len(sol.row_dual) >= g:
        mu = np.asarray(sol.row_dual)[:g]
        lag = lagrangian_bound(matrix, weights, mu, p, fixed)
        if lag < bound:
            bound, source = lag, "lagrangian(lp duals)"
            mu_best = np.clip(np.abs(mu), 0, weights)
    if sol.value_valid:
        x = np.asarray(sol.col_value)[:c]
    if status == "Optimal" and groups is not None and groups.required > 0:
        lp_obj = h.getInfo().objective_function_value * (1 + 1e-7)
        if lp_obj < bound:
            bound, source = lp_obj, "lp"
    if status != "Optimal" and incumbent is not None:
        start = weights * ((matrix @ incumbent.astype(float)) < 0.5)  # μ = w on what the plan leaves uncovered
        value = float(weights.sum() - start.sum())
        # ≈ 100 steps bring the national bound within 4–8 % of the incumbent (300: 2–5 %), in 0.1–0.5 s
        deadline = time.perf_counter() + max(0.25 * time_limit, 0.5)
        lag, mu = lagrangian_descent(matrix, weights, start, p, fixed, value, deadline=deadline)
        if lag < bound:
            bound, source, mu_best = lag, "lagrangian(subgradient)", mu
    return _LpResult(bound, source, x, status, time.perf_counter() - t, mu_best)


@dataclass
class _MipResult:
    selected: np.ndarray | None
    dual_bound: float
    status: str
    seconds: float
    mip_gap: float = np.inf


def _solve_mip(matrix, weights, p, at_most, groups, k, fixed, start, time_limit, seed, gap, target=None) -> _MipResult:
    """MILP with HiGHS, warm-started with ``start``; interrupted as soon as an incumbent reaches ``target``."""
    t = time.perf_counter()
    g, c = matrix.shape
    h = _highs(time_limit, seed, gap)
    h.passModel(_model(matrix, weights, p, at_most, groups, k, fixed, integer=True))
    if start is not None:
        cnt = matrix @ start.astype(float)
        vals = [start.astype(float), (cnt > 0.5).astype(float)]
        if groups is not None and groups.required > 0:
            z = np.zeros(groups.n_groups)
            z[np.unique(groups.group[start])] = 1
            vals.append(z)
        sol = highspy.HighsSolution()
        sol.col_value = np.concatenate(vals)
        sol.value_valid = True
        h.setSolution(sol)
    if target is not None and np.isfinite(target):

        def stop_at_target(event) -> None:
            if event.data_out.mip_primal_bound >= target:
                event.interrupt()

        h.cbMipInterrupt.subscribe(stop_at_target)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    sol = h.getSolution()
    selected = None
    if sol.value_valid and info.primal_solution_status >= 1:
        selected = np.asarray(sol.col_value)[:c] > 0.5
    dual = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else np.inf
    return _MipResult(selected, dual, status, time.perf_counter() - t, float(info.mip_gap))


# --------------------------------------------------------------------------------------------------
# Solve
# --------------------------------------------------------------------------------------------------


class _Clock:
    def __init__(self, limit: float):
        self.start = time.perf_counter()
        self.limit = float(limit)
        self.timings: dict[str, float] = {}
        self._last = self.start

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = self.timings.get(name, 0.0) + now - self._last
        self._last = now

    def remaining(self) -> float:
        return self.limit - (time.perf_counter() - self.start)

    def final(self) -> float:
        """Time for a last solver call, keeping a margin for HiGHS's overshoot and the plan's assembly."""
        return max(self.remaining() * 0.97 - 0.4, 0.05)

    def deadline(self, share: float = 1.0) -> float:
        return time.perf_counter() + max(self.remaining(), 0.0) * share


def _prepare(instance: PlanningInstance, params: PlanningParams):
    """Eligible sites, compact groups and forced sites, as arrays over the original site indices."""
    _, weights, sites, groups = _as_arrays(instance)
    m = len(sites)
    allowed, n_required = _chosen_groups(params, groups)
    eligible = np.ones(m, dtype=bool)
    eligible[list(params.forced_out)] = False
    if allowed is not None:
        eligible &= np.isin(groups, allowed)
    uniq, compact = np.unique(groups, return_inverse=True) if m else (np.zeros(0, int), np.zeros(0, int))
    return weights, eligible, uniq, compact.astype(np.int64), n_required, allowed is not None


def solve(instance: PlanningInstance, params: PlanningParams, progress: Progress | None = None) -> Plan:
    """Plan the deployment (see the module docstring for the problem).

    Steps, each reported through ``progress(stage, fraction)``: coverage matrix (k-d tree), reduction,
    greedy + swap, LP relaxation (bound), LP-restricted MILP warm-started with the incumbent, final swap
    on all candidates, and a full MILP when time remains and the gap is above ``gap_tolerance``.
    The returned ``upper_bound`` is the best of: the reachable weight, the Lagrangian bound computed from
    the LP duals (or, without them, from a subgradient descent), the LP objective (with département
    constraints), and the MILP's dual bound (``stats["bound_source"]``).
    """
    validate(instance, params)
    report = progress or (lambda stage, fraction: None)
    clock = _Clock(params.time_limit_s)
    report("couverture", 0.0)
    coverage = build_coverage(instance, params.reach_km)
    clock.lap("coverage")
    if params.offices_per_mediator == 1:
        plan = _solve_single(instance, params, coverage, clock, report)
    else:
        plan = solve_circuits(instance, params, coverage, clock, report)
    _check_plan(instance, params, plan)
    plan.timings = dict(clock.timings, total=time.perf_counter() - clock.start)
    plan.stats.setdefault("coverage_pairs", int(coverage.nnz))
    report("terminé", 1.0)
    return plan


def _check_plan(instance: PlanningInstance, params: PlanningParams, plan: Plan) -> None:
    """Defensive check of every constraint of the returned plan (cheap; raises on a solver bug)."""
    from tremplin.opendata.geo import haversine_km

    groups = np.asarray(instance.site_group)
    sites = np.asarray(instance.site_latlon, dtype=float)
    chosen = plan.sites
    problems = []
    if len(plan.mediators) != params.mediators or len(set(chosen)) != len(chosen):
        problems.append("nombre de médiateurs ou bureaux en double")
    for group, offices in plan.mediators:
        if len(offices) != params.offices_per_mediator or any(groups[j] != group for j in offices):
            problems.append(f"tournée invalide {offices}")
        pts = sites[offices]
        d = haversine_km(pts[:, None, 0], pts[:, None, 1], pts[None, :, 0], pts[None, :, 1])
        if params.offices_per_mediator > 1 and d.max() > params.circuit_km * (1 + 1e-6) + 1e-6:
            problems.append(f"tournée trop étendue {offices}")
    used = {g for g, _ in plan.mediators}
    allowed, n_required = _chosen_groups(params, groups)
    if allowed is not None and used != set(allowed.tolist()):
        problems.append("départements hors de la liste")
    if allowed is None and n_required > 0 and len(used) != n_required:
        problems.append("nombre de départements")
    if not set(params.forced_in) <= set(chosen) or set(params.forced_out) & set(chosen):
        problems.append("sites imposés ou exclus")
    if problems:
        raise PlanningError("Plan incohérent (erreur interne du planificateur) : " + "; ".join(problems))


def _finish(
    instance, params, coverage, mediators, bound, bound_source, proven_optimal, timed_out, stats, reachable
) -> Plan:
    weights = np.asarray(instance.weights, dtype=float)
    chosen = [s for _, offices in mediators for s in offices]
    covered = np.asarray(coverage[:, chosen].sum(axis=1)).ravel() > 0 if chosen else np.zeros(len(weights), bool)
    obj = float(weights[covered].sum())
    ub = float(bound)
    if np.all(weights == np.round(weights)):  # integral weights: the optimum is an integer
        ub = float(np.floor(ub + 1e-9 * abs(ub) + 1e-6))
    ub = max(ub, obj)
    gap = (ub - obj) / ub if ub > 0 else 0.0
    if gap <= 1e-9 or proven_optimal:
        status = "optimal"
    elif timed_out:
        status = "time_limit"
    else:
        status = "feasible"
    stats["bound_source"] = bound_source
    return Plan(mediators, obj, ub, gap, status, covered, {}, stats, float(reachable))


def _solve_single(instance, params, coverage, clock: _Clock, report: Progress) -> Plan:
    """K = 1: every office is its own mediator; the MILP model is exact (with département constraints)."""
    weights, eligible, uniq, compact, n_required, explicit = _prepare(instance, params)
    p = params.mediators
    plain = n_required == 0
    forced = np.asarray(params.forced_in, dtype=np.int64)
    cols = np.flatnonzero(eligible)
    protected = np.isin(cols, forced)
    report("réduction", 0.05)
    red: Reduction = reduce(coverage, weights, drop_dominated=plain, protected=protected, columns=cols)
    clock.lap("reduction")
    mat, w, cand = red.matrix, red.weights, red.candidates
    g, c = mat.shape
    fixed = np.flatnonzero(np.isin(cand, forced))
    stats = {
        "demand_points": int(coverage.shape[0]),
        "sites": int(coverage.shape[1]),
        "eligible_sites": int(len(cols)),
        "demand_groups": int(g),
        "candidates": int(c),
        "reduced_nnz": int(mat.nnz),
    }
    groups = None
    group_c = None
    if not plain:
        used_groups, group_c = np.unique(compact[cand], return_inverse=True)
        groups = _GroupModel(group_c.astype(np.int64), len(used_groups), n_required, explicit)
    p_eff = min(p, c) if plain else p
    at_most = plain
    timed_out = False
    # 1. greedy + swap
    report("glouton", 0.1)
    sel = greedy(mat, w, p_eff, group=group_c, n_groups_required=n_required, fixed=fixed)
    if sel.sum() < p_eff or (n_required > 0 and len(np.unique(group_c[sel])) != n_required):
        # the greedy's group rule is exact for K = 1: it only gets stuck when no plan exists
        raise PlanningError(
            f"Aucun plan ne place {p} médiateurs dans exactement {n_required} départements "
            "en respectant les sites imposés et exclus."
        )
    stats["greedy"] = objective(mat, w, sel)
    clock.lap("greedy")
    report("échanges", 0.15)
    sel, n_swaps = swap_search(
        mat, w, sel, group=group_c, n_groups_required=n_required, fixed=fixed, deadline=clock.deadline(0.3)
    )
    best = sel
    best_obj = objective(mat, w, best)
    stats["swap"] = best_obj
    stats["swaps"] = n_swaps
    clock.lap("swap")
    # 2. LP bound
    report("relaxation linéaire", 0.3)
    lp = _solve_lp(mat, w, p_eff, at_most, groups, 1, fixed, clock.remaining() * 0.5, params.seed, best)
    bound, source = lp.bound, lp.source
    bound_at = time.perf_counter() - clock.start
    stats["lp_status"] = lp.status
    clock.lap("lp")
    proven = False
    tol = params.gap_tolerance

    def gap_of(value: float) -> float:
        return (bound - value) / bound if bound > 0 else 0.0

    # 2b. iterated local search: kicks + swaps (stops early on small instances, where it stagnates)
    if gap_of(best_obj) > tol and clock.remaining() > 1.0:
        report("recherche locale itérée", 0.4)
        positions = unit_vectors(np.asarray(instance.site_latlon, dtype=float)[cand])
        best, kicks = iterated_swap_search(
            mat,
            w,
            best,
            positions,
            group=group_c,
            n_groups_required=n_required,
            fixed=fixed,
            deadline=clock.deadline(0.6),
            target=(1 - tol) * bound,
            seed=params.seed,
        )
        best_obj = objective(mat, w, best)
        stats["kicks"] = kicks
        stats["iterated_search"] = best_obj
        clock.lap("iterated_search")
    # 3. MILP restricted to the LP support (+ incumbent), warm-started
    if gap_of(best_obj) > tol and lp.x is not None and clock.remaining() > 0.5:
        report("PLNE restreinte", 0.5)
        support = (lp.x > 1e-6) | best
        support[fixed] = True
        sub_cols = np.flatnonzero(support)
        stats["restricted_candidates"] = int(len(sub_cols))
        sub = reduce(mat, w, columns=sub_cols)
        sub_fixed = np.flatnonzero(np.isin(sub_cols, fixed))
        sub_groups = None
        if groups is not None:
            sub_groups = _GroupModel(groups.group[sub_cols], groups.n_groups, n_required, explicit)
        mip = _solve_mip(
            sub.matrix,
            sub.weights,
            p_eff,
            at_most,
            sub_groups,
            1,
            sub_fixed,
            best[sub_cols],
            clock.remaining() * 0.7,
            params.seed,
            tol,
            target=(1 - tol) * bound,
        )
        stats["restricted_mip_status"] = mip.status
        if mip.selected is not None:
            cand_sel = np.zeros(c, dtype=bool)
            cand_sel[sub_cols[mip.selected]] = True
            value = objective(mat, w, cand_sel)
            stats["restricted_mip"] = value
            if value > best_obj:
                best, best_obj = cand_sel, value
            if len(sub_cols) == c and mip.dual_bound < bound:
                bound, source, bound_at = mip.dual_bound, "milp", time.perf_counter() - clock.start
                proven = mip.status == "Optimal" and mip.mip_gap <= 1e-6 and best_obj >= value - 1e-9
        if mip.status == "Time limit reached":
            timed_out = True
        clock.lap("restricted_mip")
        report("échanges", 0.8)
        best, n_swaps = swap_search(
            mat, w, best, group=group_c, n_groups_required=n_required, fixed=fixed, deadline=clock.deadline(0.5)
        )
        best_obj = objective(mat, w, best)
        stats["swaps_after_mip"] = n_swaps
        clock.lap("swap")
    # 4. full MILP for the remaining time (exact answer on small and medium models). Reduced-cost fixing
    #    with the LP duals was tried here: it removed 515 of 828 sites on the Auvergne-Rhône-Alpes
    #    instance but did not make HiGHS's proof faster, so it was left out.
    if gap_of(best_obj) > tol and clock.remaining() > 0.5 and stats.get("restricted_candidates", 0) < c:
        report("PLNE complète", 0.85)
        mip = _solve_mip(
            mat, w, p_eff, at_most, groups, 1, fixed, best, clock.final(), params.seed, tol, (1 - tol) * bound
        )
        stats["full_mip_status"] = mip.status
        if mip.selected is not None:
            value = objective(mat, w, mip.selected)
            if value > best_obj:
                best, best_obj = mip.selected, value
        if mip.dual_bound < bound:
            bound, source, bound_at = mip.dual_bound, "milp", time.perf_counter() - clock.start
        # HiGHS proved optimality (within its default absolute gap of 1e-6) for its incumbent
        proven = (
            mip.selected is not None
            and mip.status == "Optimal"
            and mip.mip_gap <= 1e-6
            and best_obj >= objective(mat, w, mip.selected) - 1e-9
        )
        timed_out = mip.status == "Time limit reached"
        clock.lap("full_mip")
    elif gap_of(best_obj) > tol and clock.remaining() <= 0.5:
        timed_out = True
    chosen = cand[best].tolist()
    if len(chosen) < p:  # plain MCLP after dropping dominated columns: pad with unused eligible sites
        unused = np.setdiff1d(cols, chosen)  # (they add no coverage; prefer those reaching most people)
        reach = np.asarray(coverage[:, unused].T @ weights).ravel()
        chosen += unused[np.argsort(-reach, kind="stable")][: p - len(chosen)].tolist()
    groups_orig = instance.site_group
    mediators = [(int(groups_orig[s]), [int(s)]) for s in sorted(chosen)]
    stats["bound_seconds"] = round(bound_at, 3)
    return _finish(instance, params, coverage, mediators, bound, source, proven, timed_out, stats, w.sum())


# --------------------------------------------------------------------------------------------------
# K > 1: circuits
# --------------------------------------------------------------------------------------------------


def circuit_milp(search: CircuitSearch, circuits, m, fixed, time_limit, seed, gap, highs_factory):
    """Exact MILP over enumerated circuits: columns [u (T), x (c), y (g), z (groups)], warm-started.

    Returns (list of mediators as candidate lists or None, dual bound, HiGHS status, mip_gap).
    """
    mat, w = search.matrix, search.weights
    g, c = mat.shape
    t_n = len(circuits)
    k = search.k
    member_rows = np.repeat(np.arange(t_n), k)
    member_cols = np.array([j for circ in circuits for j in circ], dtype=np.int64)
    u_x = sp.csr_matrix((np.ones(len(member_cols)), (member_cols, member_rows)), shape=(c, t_n))
    circ_group = search.group[[circ[0] for circ in circuits]] if t_n else np.zeros(0, int)
    n_z = search.n_groups if search.required > 0 else 0
    blocks = [
        [-u_x, sp.identity(c, format="csr"), sp.csr_matrix((c, g)), sp.csr_matrix((c, n_z))],
        [sp.csr_matrix((g, t_n)), -sp.csr_matrix(mat), sp.identity(g, format="csr"), sp.csr_matrix((g, n_z))],
        [sp.csr_matrix(np.ones((1, t_n))), sp.csr_matrix((1, c)), sp.csr_matrix((1, g)), sp.csr_matrix((1, n_z))],
    ]
    lower = [np.zeros(c), np.full(g, -np.inf), np.array([m])]
    upper = [np.zeros(c), np.zeros(g), np.array([m])]
    if n_z:
        member_g = sp.csr_matrix((np.ones(t_n), (circ_group, np.arange(t_n))), shape=(n_z, t_n))
        blocks.append([member_g, sp.csr_matrix((n_z, c)), sp.csr_matrix((n_z, g)), -sp.identity(n_z, format="csr")])
        blocks.append([member_g, sp.csr_matrix((n_z, c)), sp.csr_matrix((n_z, g)), -m * sp.identity(n_z, format="csr")])
        blocks.append(
            [sp.csr_matrix((1, t_n)), sp.csr_matrix((1, c)), sp.csr_matrix((1, g)), sp.csr_matrix(np.ones((1, n_z)))]
        )
        lower += [np.zeros(n_z), np.full(n_z, -np.inf), np.array([search.required])]
        upper += [np.full(n_z, np.inf), np.zeros(n_z), np.array([search.required])]
    a = sp.bmat(blocks, format="csc")
    a.sort_indices()
    n_col = t_n + c + g + n_z
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, a.shape[0]
    lp.col_cost_ = np.concatenate([np.zeros(t_n + c), w, np.zeros(n_z)])
    col_lower = np.zeros(n_col)
    col_lower[t_n + np.asarray(fixed, dtype=np.int64)] = 1.0
    lp.col_lower_ = col_lower
    lp.col_upper_ = np.ones(n_col)
    lp.row_lower_, lp.row_upper_ = np.concatenate(lower), np.concatenate(upper)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    lp.integrality_ = (
        [highspy.HighsVarType.kInteger] * t_n
        + [highspy.HighsVarType.kContinuous] * (c + g)
        + [highspy.HighsVarType.kInteger] * n_z
    )
    h = highs_factory(time_limit, seed, gap)
    h.passModel(lp)
    index = {circ: i for i, circ in enumerate(circuits)}
    start = [index.get(tuple(sorted(med))) for med in search.mediators]
    if len(search.mediators) == m and all(s is not None for s in start):
        u = np.zeros(t_n)
        u[start] = 1
        x = (search.avail == 0).astype(float)
        y = (search.cnt > 0).astype(float)
        z = (search.group_count[:n_z] > 0).astype(float) if n_z else np.zeros(0)
        sol = highspy.HighsSolution()
        sol.col_value = np.concatenate([u, x, y, z])
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    sol = h.getSolution()
    plan = None
    if sol.value_valid and info.primal_solution_status >= 1:
        chosen = np.flatnonzero(np.asarray(sol.col_value)[:t_n] > 0.5)
        plan = [list(circuits[i]) for i in chosen]
    dual = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else np.inf
    return plan, dual, status, float(info.mip_gap)


def solve_circuits(instance, params, coverage, clock, report) -> Plan:
    """K > 1 planner, called by :func:`solve`.

    Greedy over circuits and local search (``heuristics.CircuitSearch``), then the LP bound of the
    circuit-free relaxation (MCLP with M·K offices + département constraints), then, if all circuits can
    be enumerated (at most ``MAX_CIRCUITS``), the exact circuit MILP warm-started with the heuristic plan.
    When the greedy gets stuck, the exact model is tried before giving up with a :class:`PlanningError`.
    """
    weights, eligible, uniq, compact, n_required, explicit = _prepare(instance, params)
    m, k = params.mediators, params.offices_per_mediator
    cols = np.flatnonzero(eligible)
    report("réduction", 0.05)
    red = reduce(coverage, weights, columns=cols)
    mat, w, cand = red.matrix, red.weights, red.candidates
    g, c = mat.shape
    forced = np.flatnonzero(np.isin(cand, np.asarray(params.forced_in, dtype=np.int64)))
    group = compact[cand]
    n_groups = len(uniq)
    adj = compatibility(np.asarray(instance.site_latlon, dtype=float)[cand], group, params.circuit_km)
    clock.lap("reduction")
    stats = {
        "demand_points": int(coverage.shape[0]),
        "sites": int(coverage.shape[1]),
        "eligible_sites": int(len(cols)),
        "demand_groups": int(g),
        "candidates": int(c),
        "reduced_nnz": int(mat.nnz),
        "compatible_pairs": int(adj.nnz // 2),
    }
    search = CircuitSearch(mat, w, adj, group, k, n_required, n_groups)
    report("glouton", 0.1)
    greedy_ok = search.greedy(m, forced)
    circuits: list | None | bool = False  # False: not enumerated yet; None: too many
    if not greedy_ok:
        # the greedy got stuck: on small instances the exact circuit model may still find a plan
        circuits = enumerate_circuits(adj, k)
        rescued = None
        if circuits is not None:
            while search.mediators:
                search.remove(0)
            rescued, _, status, _ = circuit_milp(
                search, circuits, m, forced, clock.final(), params.seed, params.gap_tolerance, _highs
            )
        if rescued is None:
            raise PlanningError(
                f"Le planificateur n'a pas trouvé {m} tournées de {k} bureaux distants d'au plus "
                f"{params.circuit_km:g} km dans un même département (avec les contraintes de départements "
                "et de sites imposés) : augmentez le rayon de tournée ou réduisez le nombre de médiateurs."
            )
        for med in rescued:
            search.add(med)
    stats["greedy"] = search.value()
    clock.lap("greedy")
    locked = np.zeros(c, dtype=bool)
    locked[forced] = True
    if circuits is False:
        circuits = enumerate_circuits(adj, k)
    stats["circuits"] = None if circuits is None else len(circuits)
    clock.lap("enumeration")
    timed_out = False
    if circuits is not None or clock.remaining() < CIRCUIT_FREE_LP_BELOW_S:
        # before the exact MILP (a warm start) or when there is no time for the column generation; else the
        # restricted MILP and the kicks at the end improve the plan better than these seconds would
        report("recherche locale", 0.2)
        end_ls = clock.deadline(0.4 if circuits is None else 0.1)
        stats["moves"] = search.improve(lambda: time.perf_counter() > end_ls, locked)
        stats["local_search"] = search.value()
        clock.lap("local_search")
        timed_out = time.perf_counter() > end_ls
    best_bound = {"value": float(w.sum()), "source": "reachable weight", "at": time.perf_counter() - clock.start}

    def circuit_free_lp(time_limit: float, plan: list) -> None:
        """The LP of the MCLP with M·K offices (circuits relaxed): kept when below the bound so far."""
        report("relaxation linéaire", 0.3)
        groups = _GroupModel(group, n_groups, n_required, explicit) if n_required > 0 else None
        incumbent = np.zeros(c, dtype=bool)
        incumbent[[j for med in plan for j in med]] = True
        lp = _solve_lp(mat, w, m * k, n_required == 0, groups, k, forced, time_limit, params.seed, incumbent)
        if lp.bound < best_bound["value"]:
            best_bound.update(
                value=lp.bound,
                source=lp.source + " of the MCLP with M·K offices (circuits relaxed)",
                at=time.perf_counter() - clock.start,
            )
        stats["lp_status"] = lp.status
        stats["circuit_free_bound"] = float(lp.bound)
        clock.lap("lp")

    # The circuit-free LP is a weak bound (≈ 10 % above the plan on the national default scenario): it is
    # only worth its seconds when the column generation below has too little time, or did not converge
    # (then it is tried after it, see `_circuit_columns`).
    if circuits is not None or clock.remaining() < CIRCUIT_FREE_LP_BELOW_S:
        circuit_free_lp(clock.remaining() * 0.3, search.mediators)
    bound, source, bound_at = best_bound["value"], best_bound["source"], best_bound["at"]
    proven = False
    best = [list(med) for med in search.mediators]
    if (bound - search.value()) / max(bound, 1e-12) > params.gap_tolerance and clock.remaining() > 0.2:
        if circuits is not None:
            report("PLNE des tournées", 0.7)
            plan, dual, status, mip_gap = circuit_milp(
                search, circuits, m, forced, clock.final(), params.seed, params.gap_tolerance, _highs
            )
            stats["circuit_mip_status"] = status
            if plan is not None:
                value = float(w[np.asarray(mat[:, [j for med in plan for j in med]].sum(axis=1)).ravel() > 0].sum())
                if value > search.value():
                    best = plan
            if dual < bound:
                bound, source, bound_at = dual, "circuit milp", time.perf_counter() - clock.start
            proven = status == "Optimal" and mip_gap <= 1e-9
            timed_out = status == "Time limit reached"
            clock.lap("circuit_mip")
        else:
            best, bound_cg, cg_at, timed_out = _circuit_columns(
                search, mat, w, adj, group, n_required, explicit, forced, locked, params, clock, report, stats,
                np.asarray(instance.site_latlon, dtype=float)[cand], circuit_free_lp,
            )  # fmt: skip
            if bound_cg < best_bound["value"]:
                best_bound.update(value=bound_cg, source=CIRCUIT_BOUND_SOURCE, at=cg_at)
            bound, source, bound_at = best_bound["value"], best_bound["source"], best_bound["at"]
    stats["bound_seconds"] = round(bound_at, 3)
    mediators = [(int(instance.site_group[cand[med[0]]]), sorted(int(cand[j]) for j in med)) for med in best]
    mediators.sort(key=lambda item: (item[0], item[1]))
    return _finish(instance, params, coverage, mediators, bound, source, proven, timed_out, stats, w.sum())


CIRCUIT_FREE_LP_BELOW_S = 20.0
# A column generation stopped by its time with a gap above this tries the circuit-free LP too: it may be
# lower when the column generation converges slowly (M = 300 offices in 96 départements: 67.4 M after
# 60 s, the LP 64.1 M; 40 km circuits: 52.0 M and 51.2 M; measured on the national data).
CIRCUIT_FREE_FALLBACK_GAP = 0.03
CIRCUIT_FREE_FALLBACK_SHARE = 0.55  # of the time left after the column generation
# When each step of `_circuit_columns` ends, as a share of the time limit (the rest: kicks).
CIRCUIT_SHARES = {"column_generation": 0.62, "restricted_mip": 0.88}
RESTRICTED_EXTRA_CIRCUITS = 0


def _rounded_plan(search: CircuitSearch, cg, forced: np.ndarray) -> CircuitSearch | None:
    """A plan from the circuit LP: its circuits by decreasing value while they fit (disjoint, the
    département count still reachable), completed by the greedy. None when the greedy gets stuck."""
    trial = CircuitSearch(search.matrix, search.weights, search.adj, search.group, search.k, search.required,
                          search.n_groups)  # fmt: skip
    m = len(search.mediators)
    for i in np.argsort(-cg.u, kind="stable"):
        if cg.u[i] < 1e-6 or len(trial.mediators) >= m:
            break
        members = [int(j) for j in cg.circuits[i]]
        if not trial.avail[members].all() or not trial.allowed_seeds(m - len(trial.mediators))[members[0]]:
            continue
        trial.add(members)
    return trial if trial.greedy(m, forced) and len(trial.mediators) == m else None


CIRCUIT_BOUND_SOURCE = "lagrangian(circuit columns, exact pricing)"


def _circuit_columns(
    search, mat, w, adj, group, n_required, explicit, forced, locked, params, clock, report, stats, search_positions,
    circuit_free_lp,
):  # fmt: skip
    """Circuits too many to enumerate: column generation for the bound (``circuit_bound``), then the
    circuit MILP restricted to the generated circuits and a last local search for the plan. When the column
    generation did not converge and its gap stays above ``CIRCUIT_FREE_FALLBACK_GAP``, ``circuit_free_lp``
    (time limit, plan) is given part of the time left (it keeps its bound if lower).

    Returns (plan as candidate lists, proven bound, seconds to that bound, timed out)."""
    from tremplin.planning.circuit_bound import CircuitModel, column_generation, restricted_mip

    used, compact = np.unique(group, return_inverse=True)
    model = CircuitModel(
        mat, w, adj, compact.astype(np.int64), len(used), search.k, params.mediators, n_required, explicit, forced
    )
    report("génération de tournées (borne)", 0.4)
    start = [tuple(sorted(med)) for med in search.mediators]

    def at(share: float) -> float:  # a moment of the run, as a share of the time limit
        return clock.start + share * clock.limit

    cg = column_generation(
        model,
        start,
        at(CIRCUIT_SHARES["column_generation"]),
        seed=params.seed,
        start=clock.start,
        lower_bound=search.value(),
        stop_gap=params.gap_tolerance,
        max_new=3000,
    )
    clock.lap("column_generation")
    stats["cg_iterations"] = cg.iterations
    stats["cg_columns"] = int(len(cg.circuits))
    stats["cg_lp"] = float(cg.lp_value)
    stats["cg_lp_optimal"] = bool(cg.lp_optimal)
    stats["circuit_bound"] = float(cg.bound)
    stats["cg_history"] = json.dumps(cg.history[-40:])
    rounded = _rounded_plan(search, cg, forced)
    if rounded is not None and rounded.value() > search.value() + 1e-9:
        stats["lp_rounding"] = rounded.value()
        search = rounded
        start = [tuple(sorted(med)) for med in search.mediators]
    best_value = search.value()
    slow = not cg.lp_optimal and (cg.bound - best_value) / max(cg.bound, 1e-12) > CIRCUIT_FREE_FALLBACK_GAP
    if slow and clock.start + clock.limit - time.perf_counter() > 2.0:
        # a slow column generation: its few circuits make a poor restricted MILP (measured: worse than its
        # start on M = 300 and on 40 km circuits), the plain local search does better with these seconds
        left = clock.start + clock.limit - time.perf_counter()
        circuit_free_lp(left * CIRCUIT_FREE_FALLBACK_SHARE, search.mediators)
        report("recherche locale", 0.8)
        end_ls = at(CIRCUIT_SHARES["restricted_mip"])
        stats["moves"] = search.improve(lambda: time.perf_counter() > end_ls, locked)
        stats["local_search"] = search.value()
        clock.lap("local_search")
    room = at(CIRCUIT_SHARES["restricted_mip"]) - time.perf_counter()
    if not slow and (cg.bound - best_value) / max(cg.bound, 1e-12) > params.gap_tolerance and room > 0.5:
        report("PLNE restreinte aux tournées générées", 0.7)
        # the LP's circuits (+ the next best ones by reduced cost: with 1,000 more, HiGHS did not even
        # improve the start in 19 s nationally, where the LP support alone gives +0.6–0.9 % in 12–16 s)
        chosen = np.flatnonzero(cg.u > 1e-6)
        extra = np.setdiff1d(np.argsort(-cg.reduced_costs)[:RESTRICTED_EXTRA_CIRCUITS], chosen)
        support = [tuple(int(j) for j in cg.circuits[i]) for i in np.concatenate([chosen, extra])]
        plan, status = restricted_mip(model, support, start, room, seed=params.seed, gap=params.gap_tolerance)
        stats["restricted_mip_status"] = status
        if plan is not None:
            value = float(w[np.asarray(mat[:, [j for t in plan for j in t]].sum(axis=1)).ravel() > 0].sum())
            stats["restricted_mip"] = value
            if value > best_value + 1e-9:
                while search.mediators:
                    search.remove(0)
                for t in plan:
                    search.add(list(t))
        clock.lap("restricted_mip")
    if (cg.bound - search.value()) / max(cg.bound, 1e-12) > params.gap_tolerance:
        report("recherche locale", 0.9)
        end = clock.start + clock.limit - max(0.03 * clock.limit, 0.5)
        positions = unit_vectors(np.asarray(search_positions, dtype=float))
        stats["kicks"] = search.kick_search(lambda: time.perf_counter() > end, locked, positions, seed=params.seed)
        clock.lap("local_search")
    timed_out = not cg.lp_optimal
    return [list(med) for med in search.mediators], cg.bound, cg.bound_at, timed_out
