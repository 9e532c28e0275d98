"""Stored bounds that exceed the total weight are brought down to it.

Before this version, when the LP relaxation did not finish in time (every point of a national curve,
5 s each), the solver kept the sum of the p largest per-office covered weights as its "proven" bound:
a commune counted once per office reaching it, hence bounds of 184 million to 2 billion inhabitants for
France's 68 million, and gaps of 90–97 %. No plan reaches more than the total weight, so the minimum of
a stored bound and that total is still a proven bound: this migration keeps that minimum, recomputes
the gap against it and says so in the bound's source. Recomputing the scenario or its curve gives the
current, finer bound. Nothing else is changed; reversing it changes nothing.
"""

from django.db import migrations

TOLERANCE = 1e-9


def _ceiling(totals: dict, params: dict) -> float | None:
    """The total weight of a stored result (the largest value any plan can reach)."""
    if totals.get("weight") is not None:
        return float(totals["weight"]) + 5e-4  # stored with 3 decimals
    weight = params.get("weight", "population")
    fragile = totals.get("fragile_population")
    if weight == "population" and totals.get("population") is not None:
        return float(totals["population"])
    if fragile is None:
        return None
    fragile = float(fragile) + 0.05  # stored with 1 decimal
    if weight == "fragile":
        return fragile
    if weight == "priority":  # fragile × QPV factor × rural factor, at most
        return fragile * max(1.0, float(params.get("qpv_factor", 2.0))) * max(1.0, float(params.get("rural_factor", 1.5)))
    return None


def _capped(figures: dict, ceiling: float) -> bool:
    bound = figures.get("upper_bound")
    if bound is None or bound <= ceiling * (1 + TOLERANCE):
        return False
    objective = float(figures.get("objective") or 0.0)
    bound = max(ceiling, objective)
    figures["upper_bound"] = round(bound, 3)
    figures["gap"] = (bound - objective) / bound if bound > 0 else 0.0
    if figures["gap"] <= 1e-9:
        figures["status"] = "optimal"
    return True


def cap_bounds(apps, schema_editor):
    Scenario = apps.get_model("planning", "Scenario")
    for scenario in Scenario.objects.exclude(result__isnull=True, curve__isnull=True).iterator():
        params = scenario.params or {}
        fields = []
        result = scenario.result
        if result:
            ceiling = _ceiling(result.get("totals", {}), params)
            if ceiling is not None and _capped(result, ceiling):
                result.setdefault("stats", {})["bound_source"] = "total weight (earlier bound capped)"
                scenario.upper_bound, scenario.gap = result["upper_bound"], result["gap"]
                fields += ["result", "upper_bound", "gap"]
        curve = scenario.curve
        if curve and curve.get("points"):
            ceiling = _ceiling(curve.get("totals", {}), {**params, "weight": curve.get("weight", params.get("weight"))})
            changed = [_capped(point, ceiling) for point in curve["points"] if ceiling is not None and "error" not in point]
            if any(changed):
                fields.append("curve")
        if fields:
            scenario.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [("planning", "0002_scenario_curve_scenario_submission_token")]

    operations = [migrations.RunPython(cap_bounds, migrations.RunPython.noop)]
