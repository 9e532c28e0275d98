"""The circuit bound (column generation with exact pricing) against brute force and an exact MILP."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.planning.test_solver import assert_bound_is_possible, brute_force, check_constraints
from tremplin.planning import solver
from tremplin.planning.circuit_bound import (
    CircuitModel,
    circuit_values,
    column_generation,
    lagrangian,
    price,
    subproblem,
    union_matrix,
)
from tremplin.planning.coverage import build_coverage, reduce
from tremplin.planning.heuristics import CircuitSearch, compatibility, enumerate_circuits
from tremplin.planning.solver import PlanningError, PlanningInstance, PlanningParams, solve, validate


@st.composite
def circuit_instances(draw, max_sites=9, spread=False):
    """Small random territories with circuits (K = 2 or 3) and département rules; ``spread``: more
    communes than a few offices can reach, so that the plan does not trivially reach everyone."""
    n = draw(st.integers(6, 14) if spread else st.integers(1, 10))
    m = draw(st.integers(3, max_sites))
    span = draw(st.sampled_from([0.4, 0.8] if spread else [0.1, 0.3, 0.5]))
    coords = st.tuples(st.floats(45.0, 45.0 + span), st.floats(2.0, 2.0 + span))
    demand = np.array(draw(st.lists(coords, min_size=n, max_size=n)))
    sites = np.array(draw(st.lists(coords, min_size=m, max_size=m)))
    weights = np.array(draw(st.lists(st.integers(0, 100), min_size=n, max_size=n)), dtype=float)
    n_groups = draw(st.integers(1, 2 if spread else 3))
    group = np.array(draw(st.lists(st.integers(0, n_groups - 1), min_size=m, max_size=m)))
    k = draw(st.integers(2, 3))
    mediators = draw(st.integers(1, max(1, min(2 if spread else 3, m // k))))
    departements = draw(st.integers(0, min(2, mediators)))
    forced = draw(st.lists(st.integers(0, m - 1), max_size=2, unique=True))
    n_in = draw(st.integers(0, len(forced)))
    params = PlanningParams(
        mediators=mediators,
        offices_per_mediator=k,
        reach_km=draw(st.floats(0.5, 8 if spread else 20)),
        circuit_km=draw(st.floats(15, 70) if spread else st.floats(1, 40)),
        departements=departements,
        forced_in=tuple(forced[:n_in]),
        forced_out=tuple(forced[n_in:]),
        time_limit_s=5,
    )
    return PlanningInstance(demand, weights, sites, group), params


def model_of(inst: PlanningInstance, params: PlanningParams) -> CircuitModel:
    """The circuit model of an instance, as the solver builds it (eligible sites, compact groups)."""
    eligible = np.setdiff1d(np.arange(len(inst.site_latlon)), params.forced_out)
    red = reduce(build_coverage(inst, params.reach_km), inst.weights, columns=eligible)
    used, group = np.unique(inst.site_group[eligible], return_inverse=True)
    adj = compatibility(inst.site_latlon[eligible], group, params.circuit_km)
    forced = np.flatnonzero(np.isin(eligible, params.forced_in))
    return CircuitModel(
        red.matrix, red.weights, adj, group, len(used), params.offices_per_mediator, params.mediators,
        params.departements, False, forced,
    )  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(circuit_instances(max_sites=12), st.randoms(use_true_random=False))
def test_pricing_finds_the_best_circuit_of_every_group(case, rnd):
    """The branch and bound gives exactly the best value μ(cov_t) − π(t) per group (brute force)."""
    inst, params = case
    model = model_of(inst, params)
    rng = np.random.default_rng(rnd.randint(0, 2**32 - 1))
    mu = model.weights * rng.random(len(model.weights))
    pi = rng.random(model.shape[1]) * (model.weights.max(initial=1.0) / 2)
    circuits = enumerate_circuits(model.adj, model.k, cap=10**6)
    best = np.full(model.n_groups, -np.inf)
    if circuits:
        arr = np.asarray(circuits)
        values = circuit_values(model, arr, union_matrix(model, arr), mu, pi)
        np.maximum.at(best, model.group[arr[:, 0]], values)
    result = price(model, mu, pi)
    assert result.exact.all()
    assert np.array_equal(np.isfinite(result.v), np.isfinite(best))
    finite = np.isfinite(best)
    assert result.v[finite] == pytest.approx(best[finite], abs=1e-7)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.one_of(st.just(-np.inf), st.floats(-50, 50)), min_size=1, max_size=4),
    st.lists(st.integers(0, 3), min_size=4, max_size=4),
    st.integers(1, 6),
    st.integers(0, 4),
)
def test_the_departement_subproblem_is_solved_exactly(values, caps, m, required):
    """max Σ n_h v_h with exactly D groups used, 1 ≤ n_h ≤ cap_h, Σ n_h = M: dynamic programming
    against enumeration."""
    v = np.array(values)
    n_g = len(v)
    cap = np.array(caps[:n_g])
    model = CircuitModel(
        sp.csr_matrix((1, n_g)), np.ones(1), sp.csr_matrix((n_g, n_g), dtype=bool), np.arange(n_g), n_g, 1, m, required,
        cap=cap,
    )  # fmt: skip
    best = -np.inf
    for counts in itertools.product(*[range(0, int(c) + 1) for c in cap]):
        counts = np.array(counts)
        if counts.sum() != m or (required and (counts > 0).sum() != required):
            continue
        if (counts > 0)[~np.isfinite(v)].any():
            continue
        best = max(best, float((counts * np.where(np.isfinite(v), v, 0)).sum()))
    value, n = subproblem(model, v)
    assert value == pytest.approx(best) if np.isfinite(best) else value == -np.inf
    if np.isfinite(best):
        assert n.sum() == m and (n <= cap).all()
        assert not required or (n > 0).sum() == required


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(circuit_instances(), st.randoms(use_true_random=False))
def test_the_lagrangian_bound_holds_for_any_multipliers(case, rnd):
    """L(μ, π) ≥ the optimum for random multipliers: the bound does not depend on their quality."""
    inst, params = case
    try:
        validate(inst, params)
    except PlanningError:
        return
    optimum = brute_force(inst, params)
    if optimum is None:
        return
    model = model_of(inst, params)
    rng = np.random.default_rng(rnd.randint(0, 2**32 - 1))
    mu = model.weights * rng.random(len(model.weights))
    pi = rng.random(model.shape[1]) * model.weights.max(initial=1.0) * rng.choice([0.0, 0.3, 1.0])
    pi[model.forced] = rng.normal(size=len(model.forced)) * model.weights.max(initial=1.0)  # free sign
    assert lagrangian(model, mu, pi, price(model, mu, pi).v) >= optimum - 1e-6 * max(1.0, optimum)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(circuit_instances(max_sites=12, spread=True))
def test_solver_with_column_generation_against_brute_force(case):
    """The path of the national instances (too many circuits to enumerate), forced on small ones: the
    bound is never below the optimum, the plan respects every rule, `optimal` only when it is."""
    inst, params = case
    try:
        validate(inst, params)
    except PlanningError:
        event("refused")
        assert brute_force(inst, params) is None
        return
    optimum = brute_force(inst, params)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(solver, "enumerate_circuits", lambda adj, k: None)
        try:
            plan = solve(inst, params)
        except PlanningError:
            event("no plan found")
            return  # a stuck greedy without the exact model: not a bound question
    assert optimum is not None
    event(f"bound: {plan.stats['bound_source'].split('(')[0]}, status {plan.status}")
    check_constraints(inst, params, plan)
    assert plan.objective <= optimum + 1e-6
    assert plan.upper_bound >= optimum - 1e-6 * max(1.0, optimum), plan.stats
    assert_bound_is_possible(inst, params, plan)
    if plan.status == "optimal":
        assert plan.objective == pytest.approx(optimum)


def clustered_instance(seed: int, n_sites: int = 40, n_demand: int = 120, n_groups: int = 3) -> PlanningInstance:
    rng = np.random.default_rng(seed)
    sites = np.column_stack([45 + rng.random(n_sites) * 0.6, 2 + rng.random(n_sites) * 0.6])
    demand = np.column_stack([45 + rng.random(n_demand) * 0.6, 2 + rng.random(n_demand) * 0.6])
    weights = np.floor(rng.pareto(1.5, n_demand) * 100) + 1
    group = (sites[:, 1] > 2.2).astype(int) + (sites[:, 1] > 2.4).astype(int)
    return PlanningInstance(demand, weights, sites, np.minimum(group, n_groups - 1))


@pytest.mark.parametrize("seed", range(4))
def test_the_circuit_bound_is_above_the_exact_milp_optimum(seed):
    """Instances too big for brute force: the exact circuit MILP (HiGHS, all circuits enumerated)
    gives the optimum, which the column generation bound never undercuts and which it comes close to."""
    inst = clustered_instance(seed)
    params = PlanningParams(mediators=4, offices_per_mediator=3, reach_km=8, circuit_km=20, departements=2)
    model = model_of(inst, params)
    circuits = enumerate_circuits(model.adj, model.k)
    search = CircuitSearch(model.matrix, model.weights, model.adj, model.group, 3, 2, model.n_groups)
    assert search.greedy(params.mediators, np.zeros(0, dtype=int))
    plan, dual, status, _ = solver.circuit_milp(search, circuits, 4, np.zeros(0, int), 60, 0, 0, solver._highs)
    assert status == "Optimal"
    optimum = model.weights[np.asarray(model.matrix[:, [j for t in plan for j in t]].sum(axis=1)).ravel() > 0].sum()
    import time

    cg = column_generation(
        model, [tuple(sorted(t)) for t in search.mediators], time.perf_counter() + 30, lower_bound=search.value()
    )
    assert cg.bound >= optimum - 1e-6
    assert cg.bound <= model.weights.sum() + 1e-6
