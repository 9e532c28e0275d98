"""Planning runs: from parameters to a plan (command, task worker and screens share these functions)."""

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone

from tremplin.network.enums import SiteKind

from .coverage import build_coverage
from .enums import ScenarioStatus, Weight
from .feasibility import capacity, check_feasibility, mediators_of, number
from .models import Scenario
from .selectors import PlanningInputs, SiteCounts, bound_source_label, planning_inputs, site_counts
from .solver import PlanningError, PlanningParams, solve

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlanOptions:
    """What a manager sets: the solver's parameters plus the weighting and the eligible sites."""

    mediators: int = 100
    offices_per_mediator: int = 4
    reach_km: float = 10.0
    circuit_km: float = 25.0
    departements: int = 57
    departement_list: tuple[str, ...] = ()
    weight: str = Weight.POPULATION
    site_types: tuple[str, ...] = (SiteKind.POST_OFFICE,)
    qpv_factor: float = 2.0
    rural_factor: float = 1.5
    forced_in: tuple[str, ...] = ()  # site external ids (La Poste identifiers)
    forced_out: tuple[str, ...] = ()
    time_limit_s: float = 60.0
    seed: int = 0
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict) -> "PlanOptions":
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
        return cls(**values)

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("extra")
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}


def sites_label(site_types) -> str:
    """How the messages name the candidate sites: « bureaux de poste », or the types checked."""
    types = list(site_types)
    if types == [SiteKind.POST_OFFICE]:
        return "bureaux de poste"
    labels = [SiteKind(t).label.lower() if t in SiteKind.values else str(t) for t in types]
    return f"sites éligibles ({', '.join(labels)})"


def plan_check(options: PlanOptions, *, scope: str | None = None, counts: SiteCounts | None = None) -> None:
    """Raise :class:`PlanningError` (French, with the parameter it is about) when no plan can exist for
    these options, saying what is possible; a few aggregate queries, no solving.

    The scenario form calls it when it is submitted, and `plan_compute` and `curve_compute` before
    solving: the rules are those of `feasibility.check_feasibility`, which the solver's `validate` also
    applies to its arrays. `scope` names the départements of an explicit list in the message
    (« Vos 2 départements »); `counts` reuses counts already read for the same site types."""
    if options.weight not in Weight.values:
        raise PlanningError(
            f"Pondération inconnue « {options.weight} » : population, fragile ou priority.", param="weight"
        )
    unknown_types = sorted(set(options.site_types) - set(SiteKind.values))
    if unknown_types or not options.site_types:
        raise PlanningError(f"Types de sites inconnus : {', '.join(unknown_types) or 'aucun'}.", param="site_types")
    if counts is None:
        counts = site_counts(options.site_types, forced_in=options.forced_in, forced_out=options.forced_out)
    if not counts.per_departement:
        raise PlanningError(
            f"Aucun site candidat localisé ({sites_label(options.site_types)}) : importer les données de référence "
            "d'abord, ou cocher d'autres types de sites.",
            param="site_types",
        )
    for name, unknown in (("imposés", counts.unknown_forced_in), ("exclus", counts.unknown_forced_out)):
        if unknown:
            raise PlanningError(
                f"Sites {name} inconnus ou non éligibles : {', '.join(unknown)}.",
                param="forced_in" if name == "imposés" else "forced_out",
            )
    check_feasibility(
        counts.per_departement,
        mediators=options.mediators,
        offices_per_mediator=options.offices_per_mediator,
        departements=0 if options.departement_list else options.departements,
        group_list=list(options.departement_list) or None,
        forced_in=list(options.forced_in),
        forced_out=list(options.forced_out),
        forced_in_groups=[counts.forced_in_departements[site] for site in options.forced_in],
        scope=scope,
        sites_label=sites_label(options.site_types),
    )


@dataclass(frozen=True)
class PlanDefaults:
    """What the scenario form proposes to a user: feasible values and what their départements allow."""

    mediators: int
    offices_per_mediator: int
    departements: int
    summary: str  # « Vos 2 départements comptent 191 bureaux de poste : au plus 47 médiateurs à 4 bureaux. »


def plan_defaults(*, departements: list[str] | None) -> PlanDefaults:
    """Default M, K and D of the form that a plan can meet: the national defaults (100 mediators of 4
    offices in 57 départements) scaled to the share of the offices in the user's départements (None: all
    of France), within what those départements can host, and K lowered when they cannot host K offices.
    When nothing is possible the national defaults are kept: the form then says why on submission."""
    base = PlanOptions()
    counts = site_counts(base.site_types)
    per = counts.per_departement
    listed = None if departements is None else list(departements)
    total = counts.total if listed is None else sum(per.get(code, 0) for code in listed)
    share = total / counts.total if counts.total else 0.0
    label = sites_label(base.site_types)
    if listed == []:  # a coordinator without département: the page says whom to ask
        return PlanDefaults(base.mediators, base.offices_per_mediator, base.departements, "")
    scope = "La France entière" if listed is None else your_departements(len(listed))
    verb = "compte" if listed is None or len(listed) < 2 else "comptent"
    summary = f"{scope} {verb} {number(total)} {label}"
    for k in range(base.offices_per_mediator, 0, -1):
        wanted = min(max(round(base.mediators * share), len(listed) if listed else 1), base.mediators)
        if listed is None:
            hosting = sum(1 for n in per.values() if n >= k)
            d = min(base.departements, wanted, hosting)
            m = min(wanted, capacity(per, k, None, d))
            d = min(d, m)
        else:
            d = 0
            m = min(wanted, capacity(per, k, listed, len(listed)))
        try:
            check_feasibility(
                per, mediators=m, offices_per_mediator=k, departements=d, group_list=listed, sites_label=label
            )
        except PlanningError:
            continue
        most = capacity(per, k, listed, len(listed) if listed else 0)
        return PlanDefaults(m, k, d, f"{summary} : au plus {mediators_of(most, k)}.")
    return PlanDefaults(base.mediators, base.offices_per_mediator, base.departements, f"{summary}.")


def your_departements(count: int) -> str:
    """How the messages name a coordinator's départements: « Votre département », « Vos 2 départements »."""
    return "Votre département" if count == 1 else f"Vos {count} départements"


def _solver_params(options: PlanOptions, inputs: PlanningInputs) -> PlanningParams:
    """Options already accepted by `plan_check`, as solver indices (the errors left here only happen
    when the reference data changed between the check and the reading of the inputs)."""
    group_of = {code: i for i, code in enumerate(inputs.departement_codes)}
    group_list = None
    if options.departement_list:
        unknown = [code for code in options.departement_list if code not in group_of]
        if unknown:
            raise PlanningError(f"Départements inconnus ou sans site éligible : {', '.join(unknown)}.")
        group_list = tuple(group_of[code] for code in options.departement_list)
    index_of = {external: i for i, external in enumerate(inputs.site_external_ids)}
    forced = {}
    for name, ids in (("imposés", options.forced_in), ("exclus", options.forced_out)):
        unknown = [site for site in ids if site not in index_of]
        if unknown:
            raise PlanningError(f"Sites {name} inconnus ou non éligibles : {', '.join(unknown)}.")
        forced[name] = tuple(index_of[site] for site in ids)
    return PlanningParams(
        mediators=options.mediators,
        offices_per_mediator=options.offices_per_mediator,
        reach_km=options.reach_km,
        circuit_km=options.circuit_km,
        departements=0 if group_list else options.departements,
        group_list=group_list,
        forced_in=forced["imposés"],
        forced_out=forced["exclus"],
        time_limit_s=options.time_limit_s,
        seed=options.seed,
    )


def plan_compute(options: PlanOptions, progress: Callable[[str, float], None] | None = None) -> dict:
    """Solve and describe the plan: the `plan.json` contract, plus per-mediator and per-département figures."""
    plan_check(options)  # an impossible plan fails at once, with the form's words
    inputs = planning_inputs(
        weight=options.weight,
        site_types=options.site_types,
        qpv_factor=options.qpv_factor,
        rural_factor=options.rural_factor,
    )
    params = _solver_params(options, inputs)
    plan = solve(inputs.instance, params, progress)
    coverage = build_coverage(inputs.instance, options.reach_km).tocsc()
    covered = np.asarray(plan.covered, dtype=bool)
    mediators = []
    for group, offices in plan.mediators:
        reach = np.zeros(len(inputs.commune_codes), dtype=bool)
        for office in offices:
            reach[coverage.indices[coverage.indptr[office] : coverage.indptr[office + 1]]] = True
        mediators.append(
            {
                "departement": inputs.departement_codes[group],
                "offices": [inputs.site_external_ids[o] for o in offices],
                "site_ids": [inputs.site_ids[o] for o in offices],
                "names": [inputs.site_names[o] for o in offices],
                "population": int(inputs.population[reach].sum()),
                "fragile_population": round(float(inputs.fragile[reach].sum()), 1),
            }
        )
    per_departement = {}
    for code in sorted({m["departement"] for m in mediators}):
        in_dep = inputs.commune_departements == code
        per_departement[code] = {
            "mediators": sum(1 for m in mediators if m["departement"] == code),
            "population": int(inputs.population[in_dep & covered].sum()),
            "population_total": int(inputs.population[in_dep].sum()),
            "fragile_population": round(float(inputs.fragile[in_dep & covered].sum()), 1),
        }
    return {
        "params": options.as_dict(),
        "objective": round(float(plan.objective), 3),
        "upper_bound": round(float(plan.upper_bound), 3),
        "gap": float(plan.gap),
        "status": plan.status,
        # which relaxation gave the proven bound, and how many seconds after the start of the run
        "bound": {
            "source": plan.stats.get("bound_source", ""),
            "relaxation": bound_source_label(plan.stats.get("bound_source", "")),
            "seconds": plan.stats.get("bound_seconds"),
        },
        "mediators": mediators,
        "reached": {
            "population": int(inputs.population[covered].sum()),
            "fragile_population": round(float(inputs.fragile[covered].sum()), 1),
        },
        "departements": per_departement,
        "totals": {
            "population": int(inputs.population.sum()),
            "fragile_population": round(float(inputs.fragile.sum()), 1),
            # total weight, and the weight within reach of an eligible site: no plan, no bound exceeds it
            "weight": round(float(np.asarray(inputs.instance.weights, dtype=float).sum()), 3),
            "reachable_weight": round(float(plan.reachable_weight), 3),
            "communes": len(inputs.commune_codes),
            "candidate_sites": len(inputs.site_ids),
            "unscored_communes": inputs.unscored_communes,
        },
        "timings": {k: round(v, 3) for k, v in plan.timings.items()},
        "stats": {k: v for k, v in plan.stats.items() if isinstance(v, int | float | str | bool)},
    }


@transaction.atomic
def scenario_create(*, user, name: str, options: PlanOptions) -> Scenario:
    """Record the scenario and queue its computation for the task worker."""
    from .tasks import scenario_run_task

    scenario = Scenario(name=name.strip() or "Scénario sans nom", created_by=user, params=options.as_dict())
    scenario.full_clean()
    scenario.save()
    transaction.on_commit(lambda: scenario_run_task.enqueue(scenario.pk))
    return scenario


def failure_message(exc: Exception) -> str:
    """What the manager reads when a run fails: the French message of a bad input, else a generic one
    (the traceback goes to the log, so that a run never stays « en cours » for good)."""
    if isinstance(exc, PlanningError | ValueError | TypeError):
        return str(exc)
    logger.exception("Échec inattendu d'un calcul de planification")
    return f"Le calcul a échoué de façon inattendue ({exc.__class__.__name__}). L'équipe technique est prévenue."


def scenario_run(*, scenario: Scenario) -> Scenario:
    """Compute a queued scenario, reporting progress; a planning error is stored in French, not raised."""
    Scenario.objects.filter(pk=scenario.pk).update(status=ScenarioStatus.RUNNING, progress=0, error="")

    def progress(stage: str, fraction: float) -> None:
        Scenario.objects.filter(pk=scenario.pk).update(progress_stage=stage[:100], progress=float(fraction))

    try:
        result = plan_compute(PlanOptions.from_dict(scenario.params), progress)
    except Exception as exc:
        Scenario.objects.filter(pk=scenario.pk).update(
            status=ScenarioStatus.FAILED, error=failure_message(exc), finished_at=timezone.now()
        )
    else:
        Scenario.objects.filter(pk=scenario.pk).update(
            status=ScenarioStatus.DONE,
            progress=1.0,
            progress_stage="terminé",
            result=result,
            objective=result["objective"],
            upper_bound=result["upper_bound"],
            gap=result["gap"],
            reached_population=result["reached"]["population"],
            reached_fragile=result["reached"]["fragile_population"],
            finished_at=timezone.now(),
        )
    scenario.refresh_from_db()
    return scenario


def scenario_submit(*, user, name: str, options: PlanOptions, token: str) -> tuple[Scenario, bool]:
    """Create a scenario from a form carrying an idempotency token: sending the same form twice (double
    click, reload of the POST) gives back the first scenario instead of computing a second one.

    Returns the scenario and whether it was created by this call."""
    existing = Scenario.objects.filter(submission_token=token).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            scenario = scenario_create(user=user, name=name, options=options)
            Scenario.objects.filter(pk=scenario.pk).update(submission_token=token)
    except IntegrityError:  # a concurrent request with the same token won the race
        return Scenario.objects.get(submission_token=token), False
    scenario.submission_token = token
    return scenario, True


# Numbers of mediators of the "coverage vs number of mediators" curve.
CURVE_MEDIATORS = (10, 25, 50, 75, 100, 150, 200, 250, 300)
CURVE_ACTIVE = (ScenarioStatus.QUEUED, ScenarioStatus.RUNNING)


def curve_point_time_limit(options: PlanOptions) -> float:
    """Each point of the curve gets a tenth of the scenario's time limit, and at least 5 s."""
    return max(5.0, float(options.time_limit_s) / 10)


def curve_compute(
    options: PlanOptions,
    *,
    mediators: tuple[int, ...] = CURVE_MEDIATORS,
    progress: Callable[[str, float, list[dict]], None] | None = None,
) -> dict:
    """Weight and population reached for each number of mediators, the other parameters unchanged.

    The inputs are read once. When the scenario asks for D départements and M < D, the point uses
    D = M (each chosen département needs a mediator). A point the planner cannot solve (for example
    M × K above the number of eligible sites) carries its French error instead of figures, the same as
    the form would give (`plan_check`). Every solved point has objective ≤ upper bound ≤ reachable
    weight ≤ total weight."""
    inputs = planning_inputs(
        weight=options.weight,
        site_types=options.site_types,
        qpv_factor=options.qpv_factor,
        rural_factor=options.rural_factor,
    )
    counts = site_counts(options.site_types, forced_in=options.forced_in, forced_out=options.forced_out)
    time_limit = curve_point_time_limit(options)
    points: list[dict] = []
    reachable = None
    for index, count in enumerate(mediators):
        if progress:
            progress(f"{count} médiateurs", index / len(mediators), points)
        departements = options.departements if options.departement_list else min(options.departements, count)
        point = {"mediators": count, "departements": departements}
        point_options = replace(options, mediators=count, departements=departements, time_limit_s=time_limit)
        try:
            plan_check(point_options, counts=counts)
            plan = solve(inputs.instance, _solver_params(point_options, inputs))
        except PlanningError as exc:
            point["error"] = str(exc)
        else:
            covered = np.asarray(plan.covered, dtype=bool)
            reachable = plan.reachable_weight
            point |= {
                "objective": round(float(plan.objective), 3),
                "upper_bound": round(float(plan.upper_bound), 3),
                "gap": float(plan.gap),
                "status": plan.status,
                "population": int(inputs.population[covered].sum()),
                "fragile_population": round(float(inputs.fragile[covered].sum()), 1),
            }
        points.append(point)
    totals = {
        "population": int(inputs.population.sum()),
        "fragile_population": round(float(inputs.fragile.sum()), 1),
        "weight": round(float(np.asarray(inputs.instance.weights, dtype=float).sum()), 3),
    }
    if reachable is not None:  # the same for every point: the sites and the reach do not change
        totals["reachable_weight"] = round(float(reachable), 3)
    return {"weight": str(options.weight), "time_limit_s": time_limit, "points": points, "totals": totals}


@transaction.atomic
def curve_request(*, scenario: Scenario) -> bool:
    """Queue the computation of a done scenario's curve; False when it is not done or already queued."""
    from .tasks import curve_run_task

    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    if scenario.status != ScenarioStatus.DONE or (scenario.curve or {}).get("status") in CURVE_ACTIVE:
        return False
    scenario.curve = {"status": ScenarioStatus.QUEUED, "progress": 0.0, "stage": "", "error": "", "points": []}
    scenario.save(update_fields=["curve"])
    transaction.on_commit(lambda: curve_run_task.enqueue(scenario.pk))
    return True


def curve_run(*, scenario: Scenario) -> Scenario:
    """Compute a scenario's curve, storing the points as they come; an error is stored in French."""

    def store(**curve) -> None:
        Scenario.objects.filter(pk=scenario.pk).update(curve=curve)

    def progress(stage: str, fraction: float, points: list[dict]) -> None:
        store(status=ScenarioStatus.RUNNING, progress=float(fraction), stage=stage, error="", points=list(points))

    progress("lecture des données", 0.0, [])
    try:
        curve = curve_compute(PlanOptions.from_dict(scenario.params), mediators=CURVE_MEDIATORS, progress=progress)
    except Exception as exc:
        store(status=ScenarioStatus.FAILED, progress=0.0, stage="", error=failure_message(exc), points=[])
    else:
        store(status=ScenarioStatus.DONE, progress=1.0, stage="terminé", error="", **curve)
    scenario.refresh_from_db()
    return scenario
