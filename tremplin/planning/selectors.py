"""Planner inputs read from the database: communes as demand points, sites as candidates."""

from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count

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


def candidate_sites(site_types):
    """The planner's candidate sites: located sites of the eligible types in a known commune."""
    return Site.objects.filter(kind__in=list(site_types), commune__isnull=False).located()


@dataclass(frozen=True)
class SiteCounts:
    """What the feasibility rules need, read with a few aggregate queries instead of the whole instance."""

    per_departement: dict[str, int]  # eligible sites per département, forced-out sites removed
    forced_in_departements: dict[str, str] = field(default_factory=dict)  # forced site → its département
    unknown_forced_in: list[str] = field(default_factory=list)  # not a candidate (type, position)
    unknown_forced_out: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.per_departement.values())


def site_counts(site_types, *, forced_in=(), forced_out=()) -> SiteCounts:
    """Candidate sites per département for these site types (2 to 3 queries)."""
    candidates = candidate_sites(site_types)
    per_departement = dict(
        candidates.order_by()
        .values_list("commune__departement_id")
        .annotate(n=Count("pk"))
        .values_list("commune__departement_id", "n")
    )
    named = set(forced_in) | set(forced_out)
    found = dict(candidates.filter(external_id__in=named).values_list("external_id", "commune__departement_id"))
    for site in set(forced_out) & found.keys():
        per_departement[found[site]] -= 1
    return SiteCounts(
        per_departement={code: n for code, n in per_departement.items() if n > 0},
        forced_in_departements={site: found[site] for site in forced_in if site in found},
        unknown_forced_in=[site for site in forced_in if site not in found],
        unknown_forced_out=[site for site in forced_out if site not in found],
    )


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
        candidate_sites(site_types)
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


def solver_status_label(status: str, gap: float | None, *, with_gap: bool = True) -> str:
    """The solver's status in plain French (without the gap where the page shows it beside)."""
    percent = f"{(gap or 0) * 100:.2f}".replace(".", ",")
    if status == "optimal":
        return "optimal prouvé"
    if status == "time_limit":
        return (
            f"arrêté par la limite de temps (écart garanti ≤ {percent} %)"
            if with_gap
            else "arrêté par la limite de temps"
        )
    return f"écart garanti ≤ {percent} %" if with_gap else "recherche terminée, optimum non prouvé"


# What the objective counts, for each weighting: (figure reached, unit of the objective and of its bound).
WEIGHT_FIGURES = {
    Weight.POPULATION: ("Population atteinte", "habitants"),
    Weight.FRAGILE: ("Population fragile atteinte", "habitants fragiles"),
    Weight.PRIORITY: ("Poids de priorité atteint", "points de priorité"),
}


def weight_figures(weight: str) -> tuple[str, str]:
    return WEIGHT_FIGURES.get(weight, ("Poids atteint", ""))


def objective_repeats_a_population(weight: str) -> bool:
    """With the population or fragile weighting the objective is the population (fragile) reached, which
    the pages already show: they show it once."""
    return weight in (Weight.POPULATION, Weight.FRAGILE)


def bound_source_label(source: str) -> str:
    """Where the proven upper bound comes from, in French (the solver's `stats["bound_source"]`)."""
    if not source:
        return ""
    relaxed = " (tournées relâchées)" if "circuits relaxed" in source else ""
    if source.startswith("lagrangian(circuit columns"):
        return (
            "relaxation lagrangienne par tournées (génération de tournées, "
            "meilleure tournée de chaque département prouvée)"
        )
    if source.startswith("circuit milp") or source.startswith("milp"):
        return "programme linéaire en nombres entiers (HiGHS)"
    if source.startswith("lagrangian"):
        return "relaxation lagrangienne" + relaxed
    if source.startswith("lp"):
        return "relaxation linéaire" + relaxed
    if source.startswith("reachable"):
        return "poids à portée d'un site éligible (aucun plan ne peut atteindre davantage)"
    if source.startswith("total weight"):
        return "poids total (borne d'un calcul antérieur, ramenée au total : recalculez pour l'affiner)"
    return source


def bound_explanation(source: str) -> str:
    """One sentence for the manager: how the proven bound is obtained, hence why no plan exceeds it."""
    if source.startswith("lagrangian(circuit columns"):
        return (
            "La borne laisse chaque médiateur prendre la meilleure tournée de son département, avec des prix "
            "qui font payer les bureaux et les communes comptés deux fois ; cette meilleure tournée est prouvée "
            "par une recherche exhaustive, si bien que la borne tient compte des tournées et qu’aucun plan ne "
            "peut la dépasser."
        )
    if "circuits relaxed" in source:
        return (
            "La borne place les bureaux un à un sans les grouper en tournées : aucun plan ne la dépasse, mais "
            "elle est prudente et l’écart surestime ce qu’un meilleur plan gagnerait."
        )
    if source.startswith(("milp", "circuit milp")):
        return "La borne vient du solveur exact (HiGHS) : l’écart est ce qu’il lui restait à fermer."
    if source.startswith(("lp", "lagrangian")):
        return "La borne autorise des fractions de bureau (relaxation linéaire) : aucun plan réel ne peut la dépasser."
    if source.startswith("reachable"):
        return "La borne est le poids à portée d’au moins un site éligible : aucun plan ne peut atteindre davantage."
    return ""


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


def reachable_communes() -> list[tuple]:
    """(code INSEE, name, population, latitude, longitude) of the planner's demand points, in one query."""
    return list(
        Commune.objects.actual()
        .filter(latitude__isnull=False, population__gt=0)
        .order_by("code_insee")
        .values_list("code_insee", "name", "population", "latitude", "longitude")
    )


def office_communes(
    result: dict | None, sites: dict[int, Site], communes: list[tuple] | None = None
) -> dict[int, list[tuple[str, str, int]]]:
    """The communes each office of the plan reaches (centre within the scenario's reach, great circle), as
    ``{site pk: [(code INSEE, name, population), …]}`` — the same rule as the planner's (communes proper
    with a centre and inhabitants), read in one query."""
    from types import SimpleNamespace

    from .coverage import build_coverage

    located = [pk for pk, site in sites.items() if site.latitude is not None and site.longitude is not None]
    if not result or not located:
        return {}
    reach = float((result.get("params") or {}).get("reach_km", 10))
    communes = reachable_communes() if communes is None else communes
    if not communes:
        return {pk: [] for pk in located}
    instance = SimpleNamespace(
        demand_latlon=np.array([(c[3], c[4]) for c in communes], dtype=float),
        site_latlon=np.array([(sites[pk].latitude, sites[pk].longitude) for pk in located], dtype=float),
    )
    coverage = build_coverage(instance, reach).tocsc()
    out = {}
    for column, pk in enumerate(located):
        rows = coverage.indices[coverage.indptr[column] : coverage.indptr[column + 1]]
        out[pk] = [(communes[i][0], communes[i][1], int(communes[i][2])) for i in sorted(rows)]
    return out


def plan_geojson(result: dict | None, sites: dict[int, Site], reached: dict | None = None) -> dict:
    """The plan's offices as a GeoJSON FeatureCollection (offices without a position are left out); with
    ``reached`` (:func:`office_communes`), each office lists the INSEE codes of the communes it reaches."""
    reached = reached or {}
    by_external = {site.external_id: pk for pk, site in sites.items()}
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
                **(
                    {"communes_atteintes": [code for code, _, _ in reached.get(by_external.get(row["id"]), [])]}
                    if reached
                    else {}
                ),
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

    def figure(label, va, vb, *, decimals=0, comparable=True):
        diff = None if va is None or vb is None or not comparable else vb - va
        return {"label": label, "a": va, "b": vb, "diff": diff, "decimals": decimals}

    weight_a, weight_b = a.params.get("weight"), b.params.get("weight")
    same_weight = weight_a == weight_b
    objective_label, unit = weight_figures(weight_a) if same_weight else ("Objectif (poids atteint)", "")
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
    ]
    if not (same_weight and objective_repeats_a_population(weight_a)):  # else the same figure twice
        figures.append(figure(objective_label, a.objective, b.objective, decimals=1, comparable=same_weight))
    figures += [
        # bounds of different weightings are in different units: no difference between them
        figure(
            f"Borne supérieure prouvée ({unit})" if unit else "Borne supérieure prouvée (selon la pondération)",
            a.upper_bound,
            b.upper_bound,
            decimals=1,
            comparable=same_weight,
        ),
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
    # what each change gains: the people of the communes an office reaches that the other plan leaves out
    both = plan_sites({"mediators": [*ra.get("mediators", ()), *rb.get("mediators", ())]})  # one query
    communes = reachable_communes()  # one query for both plans
    sites_a = {pk: both[pk] for m in ra.get("mediators", ()) for pk in m.get("site_ids", ()) if pk in both}
    sites_b = {pk: both[pk] for m in rb.get("mediators", ()) for pk in m.get("site_ids", ()) if pk in both}
    reached_a, reached_b = office_communes(ra, sites_a, communes), office_communes(rb, sites_b, communes)
    codes_a = {code for communes in reached_a.values() for code, _, _ in communes}
    codes_b = {code for communes in reached_b.values() for code, _, _ in communes}

    def gains(only, sites, reached, others):
        by_external = {site.external_id: pk for pk, site in sites.items()}
        rows = []
        for office, name in only:
            communes = reached.get(by_external.get(office), [])
            rows.append(
                {
                    "id": office,
                    "name": name,
                    "gain": sum(population for code, _, population in communes if code not in others),
                    "communes": sum(1 for code, _, _ in communes if code not in others),
                }
            )
        return sorted(rows, key=lambda row: (-row["gain"], row["name"]))

    only_a = sorted(((i, n) for i, n in offices_a.items() if i not in offices_b), key=lambda x: x[1])
    only_b = sorted(((i, n) for i, n in offices_b.items() if i not in offices_a), key=lambda x: x[1])
    departement_changes = []
    for code in sorted(deps_a | deps_b):
        fa, fb = ra.get("departements", {}).get(code), rb.get("departements", {}).get(code)
        if fa and fb and fa["mediators"] == fb["mediators"] and fa["population"] == fb["population"]:
            continue
        departement_changes.append(
            {
                "code": code,
                "name": names.get(code, ""),
                "mediators_a": fa["mediators"] if fa else 0,
                "mediators_b": fb["mediators"] if fb else 0,
                "population_a": fa["population"] if fa else None,
                "population_b": fb["population"] if fb else None,
                "gain": fb["population"] - fa["population"] if fa and fb else None,
            }
        )
    return {
        "departement_changes": departement_changes,
        "office_gains_a": gains(only_a, sites_a, reached_a, codes_b),
        "office_gains_b": gains(only_b, sites_b, reached_b, codes_a),
        "params": params,
        "figures": figures,
        "departements_only_a": [(code, names.get(code, "")) for code in sorted(deps_a - deps_b)],
        "departements_only_b": [(code, names.get(code, "")) for code in sorted(deps_b - deps_a)],
        "departements_both": len(deps_a & deps_b),
        "offices_only_a": only_a,
        "offices_only_b": only_b,
        "offices_both": len(offices_a.keys() & offices_b.keys()),
    }
