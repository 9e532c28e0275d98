"""Pure tests of the deployment planner's numerical core (no database)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tremplin.opendata.geo import haversine_km
from tremplin.planning.coverage import build_coverage, reduce
from tremplin.planning.solver import PlanningError, PlanningInstance, PlanningParams, solve, validate

# --------------------------------------------------------------------------------------------------
# Hand-made instance: four communes and three offices on the 45th parallel (0.1° of longitude ≈ 7.9 km)
#   site 0 at lon 0.0 (group 0) covers A (w 10) and D (w 7) within 5 km
#   site 1 at lon 0.1 (group 0) covers B (w 20) and D
#   site 2 at lon 0.5 (group 1) covers C (w 5); it is ~31 km from site 1
# --------------------------------------------------------------------------------------------------

HAND = PlanningInstance(
    demand_latlon=np.array([[45.0, 0.0], [45.0, 0.1], [45.0, 0.5], [45.0, 0.05]]),
    weights=np.array([10.0, 20.0, 5.0, 7.0]),
    site_latlon=np.array([[45.0, 0.0], [45.0, 0.1], [45.0, 0.5]]),
    site_group=np.array([0, 0, 1]),
)


def mclp(**kwargs) -> PlanningParams:
    base = {"offices_per_mediator": 1, "circuit_km": 0, "departements": 0, "reach_km": 5, "time_limit_s": 10}
    return PlanningParams(**(base | kwargs))


def test_coverage_matrix_of_the_hand_made_instance():
    cov = build_coverage(HAND, 5).toarray()
    assert cov.tolist() == [
        [True, False, False],
        [False, True, False],
        [False, False, True],
        [True, True, False],
    ]


def test_reduction_merges_and_drops_without_changing_weights():
    inst = PlanningInstance(
        demand_latlon=np.array([[45.0, 0.0], [45.0, 0.001], [46.0, 3.0], [45.0, 0.1]]),
        weights=np.array([1.0, 2.0, 5.0, 4.0]),
        site_latlon=np.array([[45.0, 0.0], [45.0, 0.1], [45.0, 0.0005]]),
        site_group=np.zeros(3, dtype=int),
    )
    matrix, weights, (demand_group, candidates) = reduce(build_coverage(inst, 2), inst.weights)
    # points 0 and 1 are covered by the same two sites (0 and 2): merged; point 2 is uncovered: dropped
    assert matrix.shape == (2, 3)
    assert sorted(weights.tolist()) == [3.0, 4.0]
    assert demand_group[2] == -1 and demand_group[0] == demand_group[1]
    # sites 0 and 2 are twins: with dominance only one of them is kept
    red = reduce(build_coverage(inst, 2), inst.weights, drop_dominated=True)
    assert red.candidates.tolist() == [0, 1]


@pytest.mark.parametrize(
    ("params", "expected_sites", "expected_objective"),
    [
        (mclp(mediators=1), [1], 27),
        (mclp(mediators=2), [0, 1], 37),
        (mclp(mediators=3), [0, 1, 2], 42),
        (mclp(mediators=2, departements=2), [1, 2], 32),
        (mclp(mediators=1, forced_out=(1,)), [0], 17),
        (mclp(mediators=2, forced_in=(2,)), [1, 2], 32),
        (mclp(mediators=1, group_list=(1,)), [2], 5),
        (mclp(mediators=1, offices_per_mediator=2, circuit_km=10), [0, 1], 37),
        (mclp(mediators=1, offices_per_mediator=2, circuit_km=10, reach_km=0), [0, 1], 30),
    ],
)
def test_exact_values_on_the_hand_made_instance(params, expected_sites, expected_objective):
    plan = solve(HAND, params)
    assert sorted(plan.sites) == expected_sites
    assert plan.objective == pytest.approx(expected_objective)
    assert plan.upper_bound >= plan.objective - 1e-9
    assert plan.status == "optimal"
    assert plan.gap == pytest.approx(0, abs=1e-9)
    assert plan.covered.dtype == bool and HAND.weights[plan.covered].sum() == pytest.approx(expected_objective)


def test_circuit_radius_is_respected_even_when_a_far_office_covers_more():
    inst = PlanningInstance(
        demand_latlon=np.array([[45.0, 0.0], [45.0, 0.1], [45.0, 0.5]]),
        weights=np.array([1.0, 1.0, 100.0]),
        site_latlon=np.array([[45.0, 0.0], [45.0, 0.1], [45.0, 0.5]]),
        site_group=np.zeros(3, dtype=int),
    )
    plan = solve(inst, mclp(mediators=1, offices_per_mediator=2, circuit_km=10, reach_km=1))
    assert sorted(plan.sites) == [0, 1]
    assert plan.objective == 2
    plan = solve(inst, mclp(mediators=1, offices_per_mediator=2, circuit_km=40, reach_km=1))
    assert plan.objective == 101


# --------------------------------------------------------------------------------------------------
# Bad parameters: clear French messages
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (mclp(mediators=4), "compte 3 sites candidats éligibles : au plus 3 médiateurs à 1 bureau ; 4 médiateurs"),
        # 2 sites in group 0, 1 in group 1: a mediator's 2 offices are in one département
        (mclp(mediators=2, offices_per_mediator=2), r"au plus 1 médiateur à 2 bureaux \(ou 2 médiateurs à 1 bureau\)"),
        (mclp(mediators=1, reach_km=-1), "rayon d'accessibilité doit être positif"),
        (mclp(mediators=1, circuit_km=-5), "rayon de tournée doit être positif"),
        (mclp(mediators=1, group_list=(7,)), "Départements inconnus"),
        (mclp(mediators=3, departements=3), "seuls 2 départements"),
        (mclp(mediators=1, departements=2), "au moins un médiateur"),
        (mclp(mediators=1, forced_in=(1,), forced_out=(1,)), "à la fois imposés et exclus"),
        (mclp(mediators=1, forced_in=(5,)), "inconnus"),
        (mclp(mediators=0), "au moins 1"),
        (mclp(mediators=2, forced_in=(0, 1), departements=2), "il ne reste que 0 médiateurs"),
        (mclp(mediators=1, offices_per_mediator=2, group_list=(1,)), r"moins de 2 sites candidats éligibles : 1 \(1\)"),
    ],
)
def test_bad_parameters_raise_a_planning_error_in_french(params, message):
    with pytest.raises(PlanningError, match=message):
        validate(HAND, params)
    with pytest.raises(ValueError):
        solve(HAND, params)


def test_unreachable_circuits_give_a_planning_error():
    # without site 1, offices 0 and 2 are ~39 km apart: no 10 km circuit exists
    inst = PlanningInstance(HAND.demand_latlon, HAND.weights, HAND.site_latlon, np.zeros(3, dtype=int))
    with pytest.raises(PlanningError, match="tournées de 2 bureaux"):
        solve(inst, mclp(mediators=1, offices_per_mediator=2, circuit_km=10, forced_out=(1,)))


# --------------------------------------------------------------------------------------------------
# Property tests against brute force
# --------------------------------------------------------------------------------------------------


def brute_force(inst: PlanningInstance, params: PlanningParams) -> float | None:
    """Optimum by enumeration with plain haversine distances (None when no plan exists)."""
    lat, lon = inst.site_latlon[:, 0], inst.site_latlon[:, 1]
    m = len(lat)
    dist = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    reach = haversine_km(
        inst.demand_latlon[:, 0][:, None], inst.demand_latlon[:, 1][:, None], lat[None, :], lon[None, :]
    )
    covers = reach <= params.reach_km
    eligible = [j for j in range(m) if j not in params.forced_out]
    if params.group_list is not None:
        eligible = [j for j in eligible if inst.site_group[j] in params.group_list]
    k = params.offices_per_mediator
    circuits = [
        c
        for c in itertools.combinations(eligible, k)
        if len({inst.site_group[j] for j in c}) == 1
        and all(dist[a, b] <= params.circuit_km for a, b in itertools.combinations(c, 2))
    ]
    best = None
    for plan in itertools.combinations(circuits, params.mediators):
        sites = [j for c in plan for j in c]
        if len(set(sites)) != len(sites) or not set(params.forced_in) <= set(sites):
            continue
        groups = {inst.site_group[c[0]] for c in plan}
        if params.group_list is not None and groups != set(params.group_list):
            continue
        if params.group_list is None and params.departements > 0 and len(groups) != params.departements:
            continue
        value = float(inst.weights[covers[:, sites].any(axis=1)].sum())
        best = value if best is None else max(best, value)
    return best


def check_constraints(inst: PlanningInstance, params: PlanningParams, plan) -> None:
    k = params.offices_per_mediator
    assert len(plan.mediators) == params.mediators
    sites = plan.sites
    assert len(sites) == len(set(sites)) == params.mediators * k
    for group, offices in plan.mediators:
        assert len(offices) == k
        assert all(inst.site_group[j] == group for j in offices)
        for a, b in itertools.combinations(offices, 2):
            d = haversine_km(*inst.site_latlon[a], *inst.site_latlon[b])
            assert d <= params.circuit_km + 1e-6
    groups = {g for g, _ in plan.mediators}
    if params.group_list is not None:
        assert groups == set(params.group_list)
    elif params.departements > 0:
        assert len(groups) == params.departements
    assert set(params.forced_in) <= set(sites)
    assert not set(params.forced_out) & set(sites)
    lat, lon = inst.site_latlon[sites, 0], inst.site_latlon[sites, 1]
    reach = haversine_km(
        inst.demand_latlon[:, 0][:, None], inst.demand_latlon[:, 1][:, None], lat[None, :], lon[None, :]
    )
    covered = (reach <= params.reach_km).any(axis=1)
    assert (plan.covered == covered).all()
    assert plan.objective == pytest.approx(float(inst.weights[covered].sum()))


@st.composite
def instances(draw):
    n = draw(st.integers(1, 8))
    m = draw(st.integers(2, 7))
    span = draw(st.sampled_from([0.05, 0.2, 0.4]))
    coords = st.tuples(st.floats(45.0, 45.0 + span), st.floats(2.0, 2.0 + span))
    demand = np.array(draw(st.lists(coords, min_size=n, max_size=n)))
    sites = np.array(draw(st.lists(coords, min_size=m, max_size=m)))
    weights = np.array(draw(st.lists(st.integers(0, 100), min_size=n, max_size=n)), dtype=float)
    n_groups = draw(st.integers(1, 3))
    group = np.array(draw(st.lists(st.integers(0, n_groups - 1), min_size=m, max_size=m)))
    inst = PlanningInstance(demand, weights, sites, group)
    k = draw(st.integers(1, 2))
    mediators = draw(st.integers(1, max(1, min(3, m // k))))
    explicit = draw(st.booleans()) and draw(st.booleans())
    group_list = None
    departements = 0
    if explicit:
        group_list = tuple(
            sorted(set(draw(st.lists(st.sampled_from(sorted(set(group.tolist()))), min_size=1, max_size=2))))
        )
    else:
        departements = draw(st.integers(0, 2))
    forced = draw(st.lists(st.integers(0, m - 1), max_size=2, unique=True))
    n_in = draw(st.integers(0, len(forced)))
    params = PlanningParams(
        mediators=mediators,
        offices_per_mediator=k,
        reach_km=draw(st.floats(0.01, 20)),  # no 0: exact ties differ by float rounding
        circuit_km=draw(st.floats(0.01, 40)),
        departements=departements,
        group_list=group_list,
        forced_in=tuple(forced[:n_in]),
        forced_out=tuple(forced[n_in:]),
        time_limit_s=5,
    )
    return inst, params


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_solver_against_brute_force(case):
    inst, params = case
    try:
        validate(inst, params)
    except PlanningError:
        event("refused before solving")
        # the counting rules (shared with the form) never refuse a plan that exists
        assert brute_force(inst, params) is None
        return
    optimum = brute_force(inst, params)
    event(f"K={params.offices_per_mediator} {'infeasible' if optimum is None else 'feasible'}")
    if optimum is None:
        with pytest.raises(PlanningError):
            solve(inst, params)
        return
    plan = solve(inst, params)
    check_constraints(inst, params, plan)
    assert plan.objective <= optimum + 1e-6
    assert plan.upper_bound >= optimum - 1e-6 * max(1.0, optimum)
    assert_bound_is_possible(inst, params, plan)
    assert plan.gap == pytest.approx((plan.upper_bound - plan.objective) / plan.upper_bound if plan.upper_bound else 0)
    if plan.status == "optimal":
        assert plan.objective == pytest.approx(optimum)


def reachable_weight(inst: PlanningInstance, params: PlanningParams) -> float:
    """Weight of the demand points within reach of at least one eligible site (plain haversine)."""
    eligible = [j for j in range(len(inst.site_latlon)) if j not in params.forced_out]
    if params.group_list is not None:
        eligible = [j for j in eligible if inst.site_group[j] in params.group_list]
    lat, lon = inst.site_latlon[eligible, 0], inst.site_latlon[eligible, 1]
    reach = haversine_km(
        inst.demand_latlon[:, 0][:, None], inst.demand_latlon[:, 1][:, None], lat[None, :], lon[None, :]
    )
    return float(inst.weights[(reach <= params.reach_km).any(axis=1)].sum())


def assert_bound_is_possible(inst: PlanningInstance, params: PlanningParams, plan) -> None:
    """plan value ≤ proven bound ≤ weight any plan could reach ≤ total weight, and an honest gap."""
    reachable = reachable_weight(inst, params)
    slack = 1e-6 * max(1.0, reachable)
    assert plan.objective <= plan.upper_bound + slack
    assert plan.upper_bound <= reachable + slack, (plan.upper_bound, reachable, plan.stats["bound_source"])
    assert plan.reachable_weight == pytest.approx(reachable, abs=slack)
    assert reachable <= inst.weights.sum() + slack
    assert 0 <= plan.gap <= 1


def starve_highs(patch: pytest.MonkeyPatch) -> None:
    """HiGHS with no time at all: the LP relaxation stops before any solution, as it does for each 5 s
    point of a national curve."""
    from tremplin.planning import solver

    factory = solver._highs

    def no_time(time_limit, seed, gap=None):
        highs = factory(time_limit, seed, gap)
        highs.setOptionValue("time_limit", 0.0)
        return highs

    patch.setattr(solver, "_highs", no_time)


@st.composite
def covering_models(draw):
    """A reduced covering model (demand groups × candidates, weights) and a number of sites p."""
    g, c = draw(st.integers(1, 6)), draw(st.integers(1, 7))
    cells = draw(st.lists(st.booleans(), min_size=g * c, max_size=g * c))
    matrix = np.array(cells, dtype=float).reshape(g, c)
    matrix[np.arange(g), draw(st.lists(st.integers(0, c - 1), min_size=g, max_size=g))] = 1  # all covered
    weights = np.array(draw(st.lists(st.integers(1, 1000), min_size=g, max_size=g)), dtype=float)
    return sp.csr_matrix(matrix), weights, draw(st.integers(1, c))


@settings(max_examples=150, deadline=None)
@given(covering_models(), st.booleans())
def test_the_bound_without_the_lp_is_proven_and_never_above_the_reachable_weight(model, with_incumbent):
    """When the LP relaxation does not finish (big instance, short time limit), the bound falls back on
    Lagrangian bounds. It used to be the sum of the p largest covered weights, which counts a commune
    once per office reaching it: 184 M to 2 billion inhabitants for France's 68 M."""
    from tremplin.planning import solver
    from tremplin.planning.heuristics import greedy

    matrix, weights, p = model
    incumbent = greedy(matrix, weights, p) if with_incumbent else None
    with pytest.MonkeyPatch.context() as patch:
        starve_highs(patch)
        lp = solver._solve_lp(matrix, weights, p, True, None, 1, np.zeros(0, dtype=int), 1.0, 0, incumbent)
    assert lp.status != "Optimal"
    dense = matrix.toarray() > 0
    optimum = max(
        weights[dense[:, list(sites)].any(axis=1)].sum() for sites in itertools.combinations(range(dense.shape[1]), p)
    )
    assert optimum - 1e-6 <= lp.bound <= weights.sum() + 1e-6, lp.source


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_plan_value_bound_and_reachable_weight_keep_their_order_when_highs_has_no_time(case):
    inst, params = case
    try:
        validate(inst, params)
    except PlanningError:
        return
    optimum = brute_force(inst, params)
    if optimum is None:
        return
    with pytest.MonkeyPatch.context() as patch:
        starve_highs(patch)
        try:
            plan = solve(inst, params)
        except PlanningError:
            return  # without the exact model a stuck circuit greedy may give up: not a bound question
    check_constraints(inst, params, plan)
    assert plan.upper_bound >= optimum - 1e-6 * max(1.0, optimum)  # still a proven bound
    assert_bound_is_possible(inst, params, plan)


@settings(max_examples=150, deadline=None)
@given(instances())
def test_heuristics_alone_never_beat_the_optimum(case):
    """Greedy + swap (K = 1) and greedy + local search over circuits (K > 1), without any MILP."""
    from tremplin.planning.heuristics import CircuitSearch, compatibility, greedy, objective, swap_search

    inst, params = case
    try:
        validate(inst, params)
    except PlanningError:
        return
    optimum = brute_force(inst, params)
    if optimum is None or params.group_list is not None or params.forced_in or params.forced_out:
        return
    cov = build_coverage(inst, params.reach_km)
    matrix, weights, _ = reduce(cov, inst.weights)
    _, group = np.unique(inst.site_group, return_inverse=True)
    if params.offices_per_mediator == 1:
        sel = greedy(matrix, weights, params.mediators, group=group, n_groups_required=params.departements)
        sel, _ = swap_search(matrix, weights, sel, group=group, n_groups_required=params.departements)
        assert sel.sum() == params.mediators
        if params.departements:
            assert len(set(group[sel].tolist())) == params.departements
        assert objective(matrix, weights, sel) <= optimum + 1e-6
    else:
        adj = compatibility(inst.site_latlon, group, params.circuit_km)
        search = CircuitSearch(
            matrix, weights, adj, group, params.offices_per_mediator, params.departements, int(group.max()) + 1
        )
        if search.greedy(params.mediators, np.zeros(0, dtype=int)):
            search.improve(lambda: False, np.zeros(matrix.shape[1], dtype=bool))
            assert search.value() <= optimum + 1e-6
            for med in search.mediators:
                assert all(adj[a, b] for a, b in itertools.combinations(med, 2))
