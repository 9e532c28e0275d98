import io
import json
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import json_script
from django.views.decorators.http import require_GET, require_POST

from tremplin.planning import selectors
from tremplin.planning.enums import ScenarioStatus, Weight
from tremplin.planning.maps import plan_map
from tremplin.planning.perms import (
    can_plan,
    is_restricted_to_departements,
    plannable_departements,
    plannable_sites,
    visible_scenarios,
)
from tremplin.planning.services import CURVE_ACTIVE, CURVE_MEDIATORS, curve_request, plan_defaults, scenario_submit
from tremplin.www import csv as safe_csv

from .charts import french_number, line_chart
from .forms import CompareForm, ScenarioForm

TOKENS_KEY = "planning_form_tokens"
KEPT_TOKENS = 20
ACTIVE = (ScenarioStatus.QUEUED, ScenarioStatus.RUNNING)
# Distinct colours for the mediators on the map (DSFR illustrative palette, readable on a light background).
PALETTE = [
    "#000091", "#ce0500", "#18753c", "#b34000", "#6e445a", "#695240",
    "#3558a2", "#a94645", "#297254", "#8585f6", "#c3992a", "#009081",
]  # fmt: skip


def _crumbs(*items):
    return [("Accueil", reverse("home:index")), *items]


def _planner(request):
    if not can_plan(request.user):
        raise PermissionDenied("La planification est réservée aux pilotes nationaux et aux coordinateurs.")
    return request.user


def _scenario(request, pk, *, done=False):
    _planner(request)
    scenarios = visible_scenarios(request.user).select_related("created_by")
    if done:
        scenarios = scenarios.filter(status=ScenarioStatus.DONE)
    return get_object_or_404(scenarios, pk=pk)


def _issue_token(request) -> str:
    token = secrets.token_urlsafe(24)
    request.session[TOKENS_KEY] = [*request.session.get(TOKENS_KEY, [])[-(KEPT_TOKENS - 1) :], token]
    return token


def _scenario_form(request, data=None, files=None):
    user = request.user
    restricted = is_restricted_to_departements(user)
    departements = plannable_departements(user)
    codes = list(departements.order_by("code").values_list("code", flat=True)) if restricted else None
    defaults = plan_defaults(departements=codes)
    initial = None
    if data is None:
        initial = {
            "token": _issue_token(request),
            "mediators": defaults.mediators,
            "offices_per_mediator": defaults.offices_per_mediator,
            "departements": defaults.departements,
        }
    return ScenarioForm(
        data,
        files,
        initial=initial,
        departements=departements,
        sites=plannable_sites(user),
        restricted=restricted,
        capacity=defaults.summary,
    )


@login_required
def index(request):
    user = _planner(request)
    if request.method == "POST":
        token = request.POST.get("token", "")
        existing = visible_scenarios(user).filter(submission_token=token).first() if token else None
        if existing is not None:
            messages.info(request, "Ce formulaire avait déjà été envoyé : voici le scénario qu’il a créé.")
            return redirect("planning:detail", existing.pk)
        data = request.POST.copy()
        known_token = token in request.session.get(TOKENS_KEY, [])
        if not known_token:
            data["token"] = _issue_token(request)
        form = _scenario_form(request, data, request.FILES)
        if form.is_valid() and known_token:
            scenario, created = scenario_submit(
                user=user, name=form.cleaned_data["name"], options=form.options(), token=token
            )
            request.session[TOKENS_KEY] = [t for t in request.session.get(TOKENS_KEY, []) if t != token]
            if created:
                messages.success(request, f"Scénario « {scenario.name} » enregistré : le calcul est lancé.")
            else:
                messages.info(request, "Ce formulaire avait déjà été envoyé : voici le scénario qu’il a créé.")
            return redirect("planning:detail", scenario.pk)
        if not known_token:
            form.add_error(
                None,
                "Ce formulaire a expiré ou a déjà été envoyé. Vérifiez les paramètres puis envoyez-le de nouveau.",
            )
    else:
        form = _scenario_form(request)
    scenarios = list(visible_scenarios(user).select_related("created_by").defer("result", "curve"))
    context = {
        "title": "Planification du déploiement",
        "breadcrumb": _crumbs(("Planification", None)),
        "scenarios": [_list_row(s) for s in scenarios],
        "form": form,
        "restricted": is_restricted_to_departements(user),
        "my_departements": list(plannable_departements(user).order_by("code").values_list("code", "name"))
        if is_restricted_to_departements(user)
        else [],
        "done_count": sum(1 for s in scenarios if s.status == ScenarioStatus.DONE),
    }
    return render(request, "planning/index.html", context)


def _list_row(scenario) -> dict:
    params = scenario.params or {}
    weight = params.get("weight")
    return {
        "scenario": scenario,
        "mediators": params.get("mediators"),
        "offices_per_mediator": params.get("offices_per_mediator"),
        "weight": Weight(weight).label.split(" (")[0] if weight in Weight.values else weight,
        "gap_percent": None if scenario.gap is None else scenario.gap * 100,
    }


def _state(scenario) -> dict:
    curve = scenario.curve or {}
    return {
        "status": scenario.status,
        "status_label": scenario.get_status_display(),
        "stage": scenario.progress_stage,
        "progress": scenario.progress,
        "percent": round(100 * (scenario.progress or 0)),
        "finished": scenario.status not in ACTIVE,
        "curve": {
            "status": curve.get("status", ""),
            "stage": curve.get("stage", ""),
            "percent": round(100 * (curve.get("progress") or 0)),
            "finished": curve.get("status") not in CURVE_ACTIVE,
        }
        if curve
        else None,
    }


@login_required
def detail(request, pk):
    scenario = _scenario(request, pk)
    result = scenario.result or {}
    context = {
        "title": f"Scénario « {scenario.name} »",
        "breadcrumb": _crumbs(("Planification", reverse("planning:index")), (scenario.name, None)),
        "scenario": scenario,
        "params": selectors.scenario_params(scenario.params or {}),
        "state": _state(scenario),
        "active": scenario.status in ACTIVE,
        "curve": _curve_context(scenario),
        "curve_mediators": ", ".join(str(m) for m in CURVE_MEDIATORS),
    }
    if scenario.status == ScenarioStatus.DONE and result:
        sites = selectors.plan_sites(result)
        mediators = selectors.plan_mediators(result, sites)
        names = selectors.departement_names(result.get("departements", {}))
        totals = result.get("totals", {})
        weight = (scenario.params or {}).get("weight", Weight.POPULATION)
        objective_label, unit = selectors.weight_figures(weight)
        map_data = plan_map(mediators, names, PALETTE)
        context |= {
            "mediators": mediators,
            "departements": selectors.plan_departements(result, names),
            "office_count": sum(len(m["offices"]) for m in mediators),
            "totals": totals,
            "population_share": _share(scenario.reached_population, totals.get("population")),
            "fragile_share": _share(scenario.reached_fragile, totals.get("fragile_population")),
            "gap_percent": (scenario.gap or 0) * 100,
            "optimum_percent": 100 - (scenario.gap or 0) * 100,
            # what a better plan could add, relative to this plan: « au plus 0,8 % de mieux possible »
            "better_percent": _better_percent(scenario.objective, scenario.upper_bound),
            "bound_seconds": (result.get("bound") or {}).get("seconds"),
            "bound_explanation": selectors.bound_explanation(result.get("stats", {}).get("bound_source", "")),
            "show_objective": not selectors.objective_repeats_a_population(weight),
            "objective_label": objective_label,
            "unit": unit,
            "bound_share": _share(scenario.upper_bound, totals.get("weight")),
            "solver_status": selectors.solver_status_label(result.get("status", ""), scenario.gap, with_gap=False),
            "bound_source": selectors.bound_source_label(result.get("stats", {}).get("bound_source", "")),
            "duration": result.get("timings", {}).get("total"),
            "map_json": json_script(map_data, "carte-plan"),
            "map_main": map_data["territories"][0],
            "map_insets": map_data["territories"][1:],
            "legend": [{"number": m["number"], "colour": m["colour"]} for m in map_data["mediators"][:12]],
        }
    return render(request, "planning/detail.html", context)


def _number(value, decimals: int) -> str:
    return "—" if value is None else french_number(value, decimals)


def _better_percent(objective, bound):
    """How much more than this plan the best plan can reach at most, in percent of this plan."""
    if objective is None or bound is None or objective <= 0:
        return None
    return max(bound - objective, 0.0) / objective * 100


def _share(value, total):
    return value / total * 100 if value is not None and total else None


def _curve_context(scenario) -> dict | None:
    curve = scenario.curve
    if not curve:
        return None
    weight = curve.get("weight") or (scenario.params or {}).get("weight", Weight.POPULATION)
    label, unit = selectors.weight_figures(weight)
    totals = curve.get("totals", {})
    total_weight = totals.get("weight")
    rows = [
        p
        | {
            "share": _share(p.get("objective"), total_weight),
            "status_label": selectors.solver_status_label(p["status"], p.get("gap")) if "status" in p else "",
        }
        for p in curve.get("points", [])
    ]
    solved = [p for p in rows if "error" not in p]
    return {
        "status": curve.get("status"),
        "active": curve.get("status") in CURVE_ACTIVE,
        "failed": curve.get("status") == ScenarioStatus.FAILED,
        "error": curve.get("error", ""),
        "stage": curve.get("stage", ""),
        "percent": round(100 * (curve.get("progress") or 0)),
        "label": label,
        "unit": unit,
        "show_objective": not selectors.objective_repeats_a_population(weight),
        "total_weight": total_weight,
        "reachable_weight": totals.get("reachable_weight"),
        "time_limit_s": curve.get("time_limit_s"),
        "rows": rows,
        # the y axis goes to the largest value drawn (bounds included), which never exceeds the total weight
        "chart": line_chart(
            [(p["mediators"], p["objective"]) for p in solved],
            [(p["mediators"], p["upper_bound"]) for p in solved],
        )
        if solved
        else None,
    }


@login_required
@require_GET
def state(request, pk):
    scenario = _scenario(request, pk)
    response = JsonResponse(_state(scenario))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def curve(request, pk):
    scenario = _scenario(request, pk, done=True)
    if curve_request(scenario=scenario):
        messages.success(request, "Calcul de la courbe couverture / nombre de médiateurs lancé.")
    else:
        messages.info(request, "La courbe est déjà en cours de calcul.")
    return redirect(reverse("planning:detail", args=[scenario.pk]) + "#courbe")


CSV_HEADER = [
    "médiateur",
    "département",
    "identifiant La Poste",
    "bureau",
    "commune",
    "latitude",
    "longitude",
    "population atteinte par le médiateur",
]


@login_required
@require_GET
def export_csv(request, pk):
    scenario = _scenario(request, pk, done=True)
    rows = selectors.plan_rows(scenario.result, selectors.plan_sites(scenario.result))
    buffer = io.StringIO()
    writer = safe_csv.writer(buffer)  # names and codes come from imported files: no formula runs
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow(
            [
                row["mediator"],
                row["departement"],
                row["id"],
                row["name"],
                row["commune"],
                safe_csv.decimal(row["latitude"]),
                safe_csv.decimal(row["longitude"]),
                row["population"],
            ]
        )
    response = HttpResponse(safe_csv.BOM + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="scenario-{scenario.pk}.csv"'
    return response


COMMUNES_CSV_HEADER = [
    "médiateur",
    "département",
    "identifiant La Poste",
    "bureau",
    "code INSEE",
    "commune atteinte",
    "population de la commune",
]


@login_required
@require_GET
def export_communes_csv(request, pk):
    """One row per commune an office of the plan reaches (a commune reached by two offices appears twice)."""
    scenario = _scenario(request, pk, done=True)
    sites = selectors.plan_sites(scenario.result)
    reached = selectors.office_communes(scenario.result, sites)
    by_external = {site.external_id: site_pk for site_pk, site in sites.items()}
    buffer = io.StringIO()
    writer = safe_csv.writer(buffer)
    writer.writerow(COMMUNES_CSV_HEADER)
    for row in selectors.plan_rows(scenario.result, sites):
        for code, name, population in reached.get(by_external.get(row["id"]), []):
            writer.writerow([row["mediator"], row["departement"], row["id"], row["name"], code, name, population])
    response = HttpResponse(safe_csv.BOM + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="scenario-{scenario.pk}-communes.csv"'
    return response


@login_required
@require_GET
def export_geojson(request, pk):
    scenario = _scenario(request, pk, done=True)
    sites = selectors.plan_sites(scenario.result)
    data = selectors.plan_geojson(scenario.result, sites, selectors.office_communes(scenario.result, sites))
    response = HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/geo+json")
    response["Content-Disposition"] = f'attachment; filename="scenario-{scenario.pk}.geojson"'
    return response


@login_required
@require_GET
def compare(request):
    user = _planner(request)
    scenarios = visible_scenarios(user).done().select_related("created_by")
    bound = "a" in request.GET or "b" in request.GET
    form = CompareForm(request.GET if bound else None, scenarios=scenarios.defer("result", "curve"))
    comparison = None
    a = b = None
    if bound and form.is_valid():
        a, b = form.cleaned_data["a"], form.cleaned_data["b"]
        # the form's choices defer the plans: read both in full, in one query
        full = scenarios.in_bulk([a.pk, b.pk])
        if a.pk not in full or b.pk not in full:
            raise Http404("Scénario introuvable.")
        a, b = full[a.pk], full[b.pk]
        comparison = selectors.scenarios_compare(a, b)
        for figure in comparison["figures"]:
            figure |= {f"{key}_display": _number(figure[key], figure["decimals"]) for key in ("a", "b")}
            diff = figure["diff"]
            figure["diff_display"] = (
                "—" if diff is None else ("+" if diff > 0 else "") + french_number(diff, figure["decimals"])
            )
    context = {
        "title": "Comparer deux scénarios",
        "breadcrumb": _crumbs(("Planification", reverse("planning:index")), ("Comparer", None)),
        "form": form,
        "a": a,
        "b": b,
        "comparison": comparison,
    }
    return render(request, "planning/compare.html", context)
