"""Planner inputs read from the database: communes as demand points, sites as candidates."""

from dataclasses import dataclass

import numpy as np

from tremplin.network.enums import SiteKind
from tremplin.network.models import Site
from tremplin.territories.enums import RURAL_LEVELS
from tremplin.territories.models import Commune, Qpv

from .enums import Weight
from .solver import PlanningInstance


@dataclass(frozen=True)
class PlanningInputs:
    instance: PlanningInstance
    commune_codes: list[str]
    commune_departements: np.ndarray  # département code of each demand point
    population: np.ndarray
    fragile: np.ndarray  # population × score / 10 (0 where the score is unknown)
    site_ids: list[int]  # Site.pk of each candidate
    site_external_ids: list[str]
    site_names: list[str]
    departement_codes: list[str]  # département code of each group index
    unscored_communes: int


def planning_inputs(
    *,
    weight: str = Weight.POPULATION,
    site_types: tuple[str, ...] = (SiteKind.POST_OFFICE,),
    qpv_factor: float = 2.0,
    rural_factor: float = 1.5,
) -> PlanningInputs:
    """Communes proper (arrondissements left out, so Paris counts once) with a centre and inhabitants;
    located sites of the eligible types, grouped by département."""
    rows = list(
        Commune.objects.actual()
        .filter(latitude__isnull=False, population__gt=0)
        .order_by("code_insee")
        .values_list(
            "code_insee", "latitude", "longitude", "population", "fragility_score", "density_level", "departement_id"
        )
    )
    with_qpv = set(Qpv.communes.through.objects.values_list("commune_id", flat=True))
    codes = [row[0] for row in rows]
    population = np.array([row[3] for row in rows], dtype=float)
    score = np.array([np.nan if row[4] is None else row[4] for row in rows], dtype=float)
    fragile = population * np.nan_to_num(score, nan=0.0) / 10
    if weight == Weight.POPULATION:
        weights = population
    elif weight == Weight.FRAGILE:
        weights = fragile
    elif weight == Weight.PRIORITY:
        qpv = np.array([code in with_qpv for code in codes])
        rural = np.array([row[5] in RURAL_LEVELS for row in rows])
        weights = fragile * np.where(qpv, qpv_factor, 1.0) * np.where(rural, rural_factor, 1.0)
    else:
        raise ValueError(f"Pondération inconnue « {weight} » (population, fragile ou priority).")
    sites = list(
        Site.objects.filter(kind__in=site_types, commune__isnull=False)
        .located()
        .order_by("pk")
        .values_list("pk", "external_id", "name", "latitude", "longitude", "commune__departement_id")
    )
    departements = sorted({row[5] for row in sites})
    group_of = {code: i for i, code in enumerate(departements)}
    instance = PlanningInstance(
        demand_latlon=np.array([(row[1], row[2]) for row in rows], dtype=float).reshape(-1, 2),
        weights=weights,
        site_latlon=np.array([(row[3], row[4]) for row in sites], dtype=float).reshape(-1, 2),
        site_group=np.array([group_of[row[5]] for row in sites], dtype=np.int64),
    )
    return PlanningInputs(
        instance=instance,
        commune_codes=codes,
        commune_departements=np.array([row[6] for row in rows], dtype=object),
        population=population,
        fragile=fragile,
        site_ids=[row[0] for row in sites],
        site_external_ids=[row[1] for row in sites],
        site_names=[row[2] for row in sites],
        departement_codes=departements,
        unscored_communes=int(np.isnan(score).sum()),
    )
