"""The planner on the real national instance (skipped without ../shared/data): one point of a curve."""

import csv

import numpy as np

from tremplin.planning.solver import PlanningInstance, PlanningParams, solve


def national_instance(data_dir) -> PlanningInstance:
    """Communes of metropolitan France (Paris, Lyon, Marseille once) by population × bureaux de poste."""
    demand, weights = [], []
    with (data_dir / "communes" / "communes_joined_pop2023_geoapi_grille2021.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["zone"] == "metro" and row["type"] != "arrondissement-municipal" and row["latitude"]:
                demand.append((float(row["latitude"]), float(row["longitude"])))
                weights.append(float(row["population_municipale"] or 0))
    sites, departements = [], []
    with (data_dir / "laposte" / "laposte_poincont2_2020.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter=";"):
            if row["Caractéristique_du_site"] != "Bureau de Poste" or not row["Latitude"] or not row["Longitude"]:
                continue
            lat, lon = float(row["Latitude"]), float(row["Longitude"])
            if 41.0 < lat < 51.5 and -5.5 < lon < 10.0:  # metropolitan France, Corsica included
                sites.append((lat, lon))
                departements.append(row["Code_INSEE"][:2])
    _, group = np.unique(departements, return_inverse=True)
    return PlanningInstance(np.array(demand), np.array(weights), np.array(sites), group.astype(np.int64))


def test_a_five_second_national_point_has_a_possible_bound(shared_data):
    """Each point of a national curve has 5 s: the LP relaxation does not finish. Its bound used to be
    the sum of the 400 largest per-office populations (about 2 billion for France's 68 million)."""
    instance = national_instance(shared_data)
    plan = solve(instance, PlanningParams(mediators=100, offices_per_mediator=4, departements=57, time_limit_s=5))
    total = instance.weights.sum()
    assert 60e6 < total < 70e6
    assert plan.objective <= plan.upper_bound <= plan.reachable_weight <= total
    assert plan.gap < 0.5, (plan.gap, plan.stats["bound_source"])
