"""The planner's counting rules (shared by the solver, the service and the scenario form), without a database."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tremplin.planning.feasibility import PlanningError, check_feasibility


def plan_exists(counts: dict, m: int, k: int, d: int, listed: list | None) -> bool:
    """By enumeration: can m mediators of k offices each be spread over the départements, each used
    département getting at least one, with exactly the listed ones (or exactly d, or any when d = 0)?"""
    groups = sorted(counts)
    if listed is not None:
        choices = [tuple(listed)]
    elif d > 0:
        choices = list(itertools.combinations(groups, d))
    else:
        choices = [c for r in range(1, len(groups) + 1) for c in itertools.combinations(groups, r)]
    for chosen in choices:
        rooms = [counts.get(g, 0) // k for g in chosen]
        if all(room >= 1 for room in rooms) and len(chosen) <= m <= sum(rooms):
            return True
    return False


@settings(max_examples=400, deadline=None)
@given(
    counts=st.dictionaries(st.sampled_from("ABCDE"), st.integers(1, 12), min_size=1),
    m=st.integers(1, 8),
    k=st.integers(1, 5),
    d=st.integers(0, 4),
    use_list=st.booleans(),
    data=st.data(),
)
def test_the_rules_refuse_exactly_the_plans_that_cannot_exist(counts, m, k, d, use_list, data):
    listed = None
    if use_list:
        listed = data.draw(st.lists(st.sampled_from("ABCDEF"), min_size=1, max_size=3, unique=True))
    exists = plan_exists(counts, m, k, d, listed)
    try:
        check_feasibility(counts, mediators=m, offices_per_mediator=k, departements=d, group_list=listed)
    except PlanningError as exc:
        assert not exists, str(exc)
        assert exc.param in {"mediators", "departements", "departement_list"}
    else:
        assert exists


def test_the_message_says_what_the_departements_allow():
    with pytest.raises(PlanningError) as refused:
        check_feasibility(
            {"22": 96, "93": 95, "29": 120},
            mediators=100,
            offices_per_mediator=4,
            group_list=["22", "93"],
            scope="Vos 2 départements",
            sites_label="bureaux de poste",
        )
    assert refused.value.param == "mediators"
    assert str(refused.value) == (
        "Vos 2 départements comptent 191 bureaux de poste : au plus 47 médiateurs à 4 bureaux "
        "(ou 100 médiateurs à 1 bureau) ; 100 médiateurs à 4 bureaux demanderaient 400 bureaux."
    )


def test_offices_split_between_departements_are_counted_per_departement():
    # 9 offices for 3 mediators of 3, but a mediator's offices are in one département: 1 + 1 at most
    with pytest.raises(PlanningError) as refused:
        check_feasibility({"A": 5, "B": 4}, mediators=3, offices_per_mediator=3)
    assert str(refused.value) == (
        "L’ensemble des départements compte 9 sites candidats éligibles : au plus 2 médiateurs à 3 bureaux "
        "(ou 3 médiateurs à 2 bureaux) ; un médiateur a ses 3 bureaux dans un seul département."
    )


@pytest.mark.parametrize(
    ("kwargs", "param", "message"),
    [
        ({"mediators": 3, "departements": 4}, "departements", "(D = 4) ne peut pas dépasser le nombre de médiateurs"),
        ({"mediators": 5, "departements": 3}, "departements", "seuls 2 départements ont au moins 4"),
        ({"mediators": 1, "group_list": ["A", "B"]}, "mediators", "2 départements listés"),
        ({"mediators": 2, "group_list": ["A", "C"]}, "departement_list", "moins de 4 sites candidats éligibles : C"),
        ({"mediators": 2, "forced_in": ["x"], "forced_out": ["x"]}, "forced_out", "à la fois imposés et exclus : x"),
        ({"mediators": 1, "forced_in": list("abcde")}, "forced_in", "Trop de sites imposés (5) pour 4 bureaux"),
        (
            {"mediators": 2, "group_list": ["A"], "forced_in": ["x"], "forced_in_groups": ["B"]},
            "forced_in",
            "hors des départements choisis : x",
        ),
    ],
)
def test_each_refusal_names_its_parameter(kwargs, param, message):
    with pytest.raises(PlanningError, match=message.replace("(", r"\(").replace(")", r"\)")) as refused:
        check_feasibility({"A": 8, "B": 5, "C": 0}, offices_per_mediator=4, **kwargs)
    assert refused.value.param == param
