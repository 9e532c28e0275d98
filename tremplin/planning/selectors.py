"""Planner inputs read from the database: communes as demand points, sites as candidates."""

from dataclasses import dataclass

import numpy as np

from tremplin.network.enums import SiteKind
from tremplin.network.models import Site
from tremplin.territories.enums import RURAL_LEVELS
from tremplin.territories.models import Commune, Departement, Qpv

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


# --------------------------------------------------------------------------------------------------
# Reading saved scenarios: the screens, the exports and the comparison share these functions.
# --------------------------------------------------------------------------------------------------

PARAM_LABELS = {
    "mediators": "Nombre de médiateurs (M)",
    "offices_per_mediator": "Bureaux par médiateur (K)",
    "reach_km": "Rayon d'accessibilité (km)",
    "circuit_km": "Rayon de tournée (km)",
    "departements": "Nombre de départements (D)",
    "departement_list": "Liste de départements",
    "weight": "Pondération",
    "qpv_factor": "Facteur QPV",
    "rural_factor": "Facteur rural",
    "site_types": "Types de sites éligibles",
    "forced_in": "Sites imposés",
    "forced_out": "Sites exclus",
    "time_limit_s": "Limite de temps (s)",
}


def param_display(key: str, value) -> str:
    """A scenario parameter as a manager reads it."""
    if key == "weight":
        return Weight(value).label if value in Weight.values else str(value)
    if key == "site_types":
        return ", ".join(SiteKind(v).label if v in SiteKind.values else str(v) for v in value or ()) or "—"
    if key in ("departement_list", "forced_in", "forced_out"):
        return ", ".join(value or ()) or "—"
    if key == "departements" and value == 0:
        return "0 (pas de contrainte)"
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def scenario_params(params: dict) -> list[dict]:
    """Parameters of a scenario in display order: key, label, displayed value."""
    return [{"key": k, "label": label, "value": param_display(k, params.get(k))} for k, label in PARAM_LABELS.items()]


def solver_status_label(status: str, gap: float | None) -> str:
    """The solver's status in plain French."""
    percent = f"{(gap or 0) * 100:.2f}".replace(".", ",")
    if status == "optimal":
        return "optimal prouvé"
    if status == "time_limit":
        return f"arrêté par la limite de temps (écart garanti ≤ {percent} %)"
    return f"écart garanti ≤ {percent} %"


def bound_source_label(source: str) -> str:
    """Where the proven upper bound comes from, in French (the solver's `stats["bound_source"]`)."""
    if not source:
        return ""
    relaxed = " (tournées relâchées)" if "circuits relaxed" in source else ""
    if source.startswith("circuit milp") or source.startswith("milp"):
        return "programme linéaire en nombres entiers (HiGHS)"
    if source.startswith("lagrangian"):
        return "relaxation lagrangienne" + relaxed
    if source.startswith("lp"):
        return "relaxation linéaire" + relaxed
    if source.startswith("trivial"):
        return "borne élémentaire (relaxation lagrangienne)"
    return source


def plan_sites(result: dict | None) -> dict[int, Site]:
    """The plan's offices as they are in the database (one query), by primary key."""
    if not result:
        return {}
    ids = [pk for mediator in result["mediators"] for pk in mediator.get("site_ids", ())]
    return Site.objects.filter(pk__in=ids).select_related("commune").in_bulk()


def plan_rows(result: dict | None, sites: dict[int, Site]) -> list[dict]:
    """One row per chosen office: mediator number, département, La Poste id, name, commune, position."""
    rows = []
    for number, mediator in enumerate((result or {}).get("mediators", ()), start=1):
        site_ids = mediator.get("site_ids") or [None] * len(mediator["offices"])
        for external_id, site_id, name in zip(mediator["offices"], site_ids, mediator["names"], strict=False):
            site = sites.get(site_id)
            rows.append(
                {
                    "mediator": number,
                    "departement": mediator["departement"],
                    "id": external_id,
                    "name": name,
                    "commune": site.commune.name if site and site.commune else "",
                    "latitude": site.latitude if site else None,
                    "longitude": site.longitude if site else None,
                    "population": mediator["population"],
                }
            )
    return rows


def plan_mediators(result: dict | None, sites: dict[int, Site]) -> list[dict]:
    """Mediators with their offices (name, La Poste id, commune) for the tables of the scenario page."""
    rows = plan_rows(result, sites)
    mediators = []
    for number, mediator in enumerate((result or {}).get("mediators", ()), start=1):
        mediators.append(
            {
                "number": number,
                "departement": mediator["departement"],
                "offices": [row for row in rows if row["mediator"] == number],
                "population": mediator["population"],
                "fragile_population": mediator["fragile_population"],
            }
        )
    return mediators


def plan_geojson(result: dict | None, sites: dict[int, Site]) -> dict:
    """The plan's offices as a GeoJSON FeatureCollection (offices without a position are left out)."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
            "properties": {
                "mediator": row["mediator"],
                "departement": row["departement"],
                "id": row["id"],
                "name": row["name"],
                "commune": row["commune"],
                "population": row["population"],
            },
        }
        for row in plan_rows(result, sites)
        if row["latitude"] is not None and row["longitude"] is not None
    ]
    return {"type": "FeatureCollection", "features": features}


def departement_names(codes) -> dict[str, str]:
    return dict(Departement.objects.filter(code__in=list(codes)).values_list("code", "name"))


def plan_departements(result: dict | None, names: dict[str, str]) -> list[dict]:
    rows = []
    for code, figures in sorted((result or {}).get("departements", {}).items()):
        total = figures["population_total"]
        rows.append(
            {
                "code": code,
                "name": names.get(code, ""),
                **figures,
                "share": 100 * figures["population"] / total if total else None,  # percent
            }
        )
    return rows


def scenarios_compare(a, b) -> dict:
    """What differs between two done scenarios: parameters, key figures, départements and offices."""
    params = []
    for key, label in PARAM_LABELS.items():
        va, vb = a.params.get(key), b.params.get(key)
        norm_a = sorted(va) if isinstance(va, list) else va
        norm_b = sorted(vb) if isinstance(vb, list) else vb
        params.append(
            {
                "label": label,
                "a": param_display(key, va),
                "b": param_display(key, vb),
                "differs": norm_a != norm_b,
            }
        )
    ra, rb = a.result or {}, b.result or {}

    def figure(label, va, vb, *, decimals=0):
        diff = None if va is None or vb is None else vb - va
        return {"label": label, "a": va, "b": vb, "diff": diff, "decimals": decimals}

    figures = [
        figure("Médiateurs", len(ra.get("mediators", ())), len(rb.get("mediators", ()))),
        figure(
            "Bureaux",
            sum(len(m["offices"]) for m in ra.get("mediators", ())),
            sum(len(m["offices"]) for m in rb.get("mediators", ())),
        ),
        figure("Départements", len(ra.get("departements", {})), len(rb.get("departements", {}))),
        figure("Population atteinte", a.reached_population, b.reached_population),
        figure("Population fragile atteinte", a.reached_fragile, b.reached_fragile),
        figure("Objectif (poids atteint)", a.objective, b.objective, decimals=1),
        figure("Borne supérieure prouvée", a.upper_bound, b.upper_bound, decimals=1),
        figure(
            "Écart à la borne (%)",
            None if a.gap is None else a.gap * 100,
            None if b.gap is None else b.gap * 100,
            decimals=2,
        ),
    ]
    deps_a, deps_b = set(ra.get("departements", {})), set(rb.get("departements", {}))
    names = departement_names(deps_a | deps_b)

    def offices(result):
        return {
            office: name
            for m in result.get("mediators", ())
            for office, name in zip(m["offices"], m["names"], strict=False)
        }

    offices_a, offices_b = offices(ra), offices(rb)
    return {
        "params": params,
        "figures": figures,
        "departements_only_a": [(code, names.get(code, "")) for code in sorted(deps_a - deps_b)],
        "departements_only_b": [(code, names.get(code, "")) for code in sorted(deps_b - deps_a)],
        "departements_both": len(deps_a & deps_b),
        "offices_only_a": sorted(((i, n) for i, n in offices_a.items() if i not in offices_b), key=lambda x: x[1]),
        "offices_only_b": sorted(((i, n) for i, n in offices_b.items() if i not in offices_a), key=lambda x: x[1]),
        "offices_both": len(offices_a.keys() & offices_b.keys()),
    }
