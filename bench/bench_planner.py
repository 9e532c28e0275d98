#!/usr/bin/env python
"""Benchmark: Tremplin's deployment planner against PySAL spopt's MCLP on the real French data.

Standalone (no Django). Each measured run happens in a fresh worker subprocess of this script, so that
the peak resident memory (``getrusage``) of one run is not mixed with another's, and so that spopt can
be stopped by a timeout where it cannot finish. Every worker re-reads the data files; loading time is
reported separately and excluded from build/solve times.

Instances (maximal covering: K = 1 office per mediator, no circuit, no département constraint):
communes of metropolitan France weighted by their 2023 population (Paris, Lyon and Marseille counted
once: their arrondissements are dropped) × bureaux de poste (La Poste 2020 points de contact, type
"Bureau de Poste", with coordinates), reach r = 10 km (great circle).

Run (spopt, PuLP and highspy must be importable: use a dedicated venv)::

    python3 -m venv /work/bench-venv
    /work/bench-venv/bin/pip install spopt numpy scipy highspy pulp
    /work/bench-venv/bin/python bench/bench_planner.py --data-dir ../shared/data

Writes ``bench/results/planner-<date>.json`` and prints a markdown table.

Circuit suite (issue 11: the programme's constrained scenario, with the bound that knows about
circuits), run with the project's own venv (no spopt needed)::

    .venv/bin/python bench/bench_planner.py --suite circuits --data-dir ../shared/data

It reads the three weightings (``population``, ``fragile``, ``priority``) as the application computes
them: the first run imports the reference data into a throwaway SQLite database under ``--cache``
(default ``/tmp/tremplin-bench-planner``) and keeps the planner inputs there (``inputs.npz``, outside
the project). Each run is a fresh worker subprocess. Rows: the default scenario (M = 100, K = 4,
circuit 25 km, D = 57, reach 10 km) per weighting with today's planner at 60 s and 120 s, a small grid
of other circuit scenarios (K = 2…6, circuit 15–40 km, D = 30…96, M = 50…300), and the classical
cases (K = 1, reach 5–15 km, 100–1,000 offices). The *anchor* of every row is the planner of the
last commit (``--anchor-ref``, default ``HEAD``), read with ``git show`` into a temporary package
and run in the same session on the same inputs. Writes ``bench/results/planner-circuits-<date>.json``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EARTH_RADIUS_KM = 6371.0088
REGION_BRETAGNE_44 = ("22", "29", "35", "56", "44")


# --------------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------------


def load_data(data_dir: Path, instance: str) -> dict:
    """Communes (lat, lon, population, département) and bureaux de poste (lat, lon, id, département)."""
    communes = data_dir / "communes" / "communes_joined_pop2023_geoapi_grille2021.csv"
    rows = []
    with communes.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["zone"] != "metro" or r["type"] == "arrondissement-municipal":
                continue
            rows.append(r)
    if instance == "bretagne44":
        deps = set(REGION_BRETAGNE_44)
    elif instance.startswith("region"):
        region = instance.removeprefix("region")
        deps = {r["code_departement"] for r in rows if r["code_region"] == region}
    else:
        deps = None
    if deps is not None:
        rows = [r for r in rows if r["code_departement"] in deps]
    demand = np.array([[float(r["latitude"]), float(r["longitude"])] for r in rows])
    weights = np.array([float(r["population_municipale"] or 0) for r in rows])
    sites, site_ids, site_deps = [], [], []
    with (data_dir / "laposte" / "laposte_poincont2_2020.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter=";"):
            if r["Caractéristique_du_site"] != "Bureau de Poste" or not r["Latitude"] or not r["Longitude"]:
                continue
            lat, lon = float(r["Latitude"]), float(r["Longitude"])
            if not (41.0 < lat < 51.5 and -5.5 < lon < 10.0):  # metropolitan France (Corsica included)
                continue
            dep = r["Code_INSEE"][:2]
            if deps is not None and dep not in deps:
                continue
            sites.append((lat, lon))
            site_ids.append(r["#Identifiant_du_site"])
            site_deps.append(dep)
    return {
        "demand": demand,
        "weights": weights,
        "sites": np.array(sites),
        "site_ids": site_ids,
        "site_deps": site_deps,
    }


def haversine_matrix(a: np.ndarray, b: np.ndarray, chunk: int = 2000) -> np.ndarray:
    """Dense great-circle distance matrix in km (the input spopt needs)."""
    out = np.empty((len(a), len(b)))
    lat2, lon2 = np.radians(b[:, 0])[None, :], np.radians(b[:, 1])[None, :]
    for s in range(0, len(a), chunk):
        lat1 = np.radians(a[s : s + chunk, 0])[:, None]
        lon1 = np.radians(a[s : s + chunk, 1])[:, None]
        h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
        out[s : s + chunk] = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))
    return out


def covered_weight(data: dict, chosen: list[int], reach_km: float) -> float:
    """Common evaluator for both tools: weight of communes within reach_km (haversine) of a chosen site."""
    if not chosen:
        return 0.0
    d = haversine_matrix(data["demand"], data["sites"][chosen])
    return float(data["weights"][(d <= reach_km).any(axis=1)].sum())


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def emit(**event) -> None:
    print(json.dumps(event), flush=True)


# --------------------------------------------------------------------------------------------------
# Workers
# --------------------------------------------------------------------------------------------------


def planning_params(args, params_class):
    """The planner's parameters of a worker run (``params_class``: this tree's PlanningParams or the anchor's)."""
    return params_class(
        mediators=args.p,
        offices_per_mediator=args.k,
        reach_km=args.reach_km,
        circuit_km=args.circuit_km,
        departements=args.departements,
        time_limit_s=args.time_limit,
        gap_tolerance=args.gap,
    )


def worker_tremplin(args) -> None:
    from tremplin.planning.solver import PlanningInstance, PlanningParams, solve

    t = time.perf_counter()
    data = load_data(args.data_dir, args.instance)
    deps = sorted(set(data["site_deps"]))
    group = np.array([deps.index(d) for d in data["site_deps"]], dtype=np.int64)
    load_s = time.perf_counter() - t
    rss_loaded = rss_mb()
    inst = PlanningInstance(data["demand"], data["weights"], data["sites"], group)
    params = planning_params(args, PlanningParams)
    t = time.perf_counter()
    plan = solve(inst, params)
    wall = time.perf_counter() - t
    build = plan.timings.get("coverage", 0) + plan.timings.get("reduction", 0)
    emit(
        stage="done",
        tool="tremplin",
        n=len(data["weights"]),
        m=len(data["sites"]),
        load_s=load_s,
        build_s=build,
        solve_s=wall - build,
        total_s=wall,
        peak_rss_mb=rss_mb(),
        rss_after_load_mb=rss_loaded,
        objective=plan.objective,
        objective_common=covered_weight(data, plan.sites, args.reach_km),
        upper_bound=plan.upper_bound,
        gap=plan.gap,
        status=plan.status,
        timings=plan.timings,
        stats={k: v for k, v in plan.stats.items() if isinstance(v, (int, float, str, type(None)))},
        total_weight=float(data["weights"].sum()),
    )


def worker_spopt(args) -> None:
    import pulp
    from spopt.locate import MCLP

    if args.memory_limit_gb:
        limit = int(args.memory_limit_gb * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))  # protect the shared machine
    t = time.perf_counter()
    data = load_data(args.data_dir, args.instance)
    n, m = len(data["weights"]), len(data["sites"])
    emit(stage="loaded", n=n, m=m, load_s=time.perf_counter() - t, rss_mb=rss_mb())
    t0 = time.perf_counter()
    cost = haversine_matrix(data["demand"], data["sites"])
    dist_s = time.perf_counter() - t0
    emit(stage="distance_matrix", seconds=dist_s, bytes=cost.nbytes, rss_mb=rss_mb())
    # Heartbeat: how far the (pure Python) model build got, read from the PuLP problem being built.
    problems: list = []
    original_init = pulp.LpProblem.__init__

    def init(self, *a, **kw):
        original_init(self, *a, **kw)
        problems.append(self)

    pulp.LpProblem.__init__ = init
    t1 = time.perf_counter()

    def heartbeat() -> None:
        while True:
            time.sleep(args.heartbeat)
            built = len(problems[0].constraints) if problems else 0
            emit(
                stage="heartbeat",
                build_s=time.perf_counter() - t1,
                constraints=built,
                of=n,
                rss_now_mb=current_rss_mb(),
            )

    threading.Thread(target=heartbeat, daemon=True).start()
    model = MCLP.from_cost_matrix(cost, data["weights"], service_radius=args.reach_km, p_facilities=args.p)
    build_s = time.perf_counter() - t1
    emit(stage="built", seconds=build_s, rss_mb=rss_mb())
    t2 = time.perf_counter()
    solver = (
        pulp.HiGHS(msg=False, timeLimit=args.time_limit) if args.solver == "highs" else pulp.PULP_CBC_CMD(msg=False)
    )
    model.solve(solver)
    solve_s = time.perf_counter() - t2
    chosen = [j for j, v in enumerate(model.fac_vars) if (v.value() or 0) > 0.5]
    emit(
        stage="done",
        tool="spopt",
        n=n,
        m=m,
        distance_s=dist_s,
        build_s=dist_s + build_s,
        model_build_s=build_s,
        solve_s=solve_s,
        total_s=dist_s + build_s + solve_s,
        peak_rss_mb=rss_mb(),
        pulp_status=pulp.LpStatus[model.problem.status],
        objective=float(pulp.value(model.problem.objective)),
        objective_common=covered_weight(data, chosen, args.reach_km),
        facilities=len(chosen),
        total_weight=float(data["weights"].sum()),
    )


DEFAULT_CACHE = Path(tempfile.gettempdir()) / "tremplin-bench-planner"
ANCHOR_FILES = ("coverage.py", "feasibility.py", "heuristics.py", "solver.py")


def build_inputs(data_dir: Path, cache: Path) -> Path:
    """The planner inputs of the three weightings, as the application reads them (Django, a throwaway
    SQLite database under ``cache``, the reference import of ``data_dir``), saved to ``inputs.npz``."""
    out = cache / "inputs.npz"
    if out.exists():
        return out
    cache.mkdir(parents=True, exist_ok=True)
    script = f"""
import os, sys
sys.path.insert(0, {str(ROOT)!r})
os.environ["DATABASE_URL"] = "sqlite:///{cache / "reference.sqlite3"}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tremplin.settings.dev")
import django
django.setup()
from io import StringIO
import numpy as np
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("import_reference", data_dir={str(data_dir)!r}, stdout=StringIO())
from tremplin.planning.selectors import planning_inputs
arrays = {{}}
for weight in ("population", "fragile", "priority"):
    inputs = planning_inputs(weight=weight)
    arrays[weight] = inputs.instance.weights
arrays["demand"] = inputs.instance.demand_latlon
arrays["sites"] = inputs.instance.site_latlon
arrays["group"] = inputs.instance.site_group
arrays["departements"] = np.array(inputs.departement_codes)
np.savez({str(out)!r}, **arrays)
"""
    subprocess.run([sys.executable, "-c", script], check=True)
    return out


def anchor_package(ref: str, cache: Path) -> Path:
    """Today's planner (``git show <ref>:tremplin/planning/…``) as the package ``anchor_planning``."""
    target = cache / f"anchor-{ref.replace('/', '_')}"
    package = target / "anchor_planning"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    for name in ANCHOR_FILES:
        show = ["git", "-C", str(ROOT), "show", f"{ref}:tremplin/planning/{name}"]
        text = subprocess.run(show, check=True, capture_output=True, text=True).stdout
        (package / name).write_text(text.replace("tremplin.planning.", "anchor_planning."))
    return target


def worker_circuits(args) -> None:
    """One run of the planner (``--impl new``: this tree, ``anchor``: the anchor package) on the inputs."""
    if args.impl == "anchor":
        sys.path.insert(0, str(args.anchor_path))
        from anchor_planning.solver import PlanningInstance, PlanningParams, solve
    else:
        from tremplin.planning.solver import PlanningInstance, PlanningParams, solve
    data = np.load(args.inputs)
    inst = PlanningInstance(data["demand"], data[args.weight], data["sites"], data["group"])
    params = planning_params(args, PlanningParams)
    t = time.perf_counter()
    plan = solve(inst, params)
    wall = time.perf_counter() - t
    emit(
        stage="done",
        tool=f"tremplin-{args.impl}",
        n=len(inst.weights),
        m=len(inst.site_latlon),
        total_s=wall,
        peak_rss_mb=rss_mb(),
        objective=plan.objective,
        upper_bound=plan.upper_bound,
        gap=plan.gap,
        status=plan.status,
        timings=plan.timings,
        stats={k: v for k, v in plan.stats.items() if isinstance(v, (int, float, str, type(None)))},
        total_weight=float(inst.weights.sum()),
    )


# (weight, M, K, circuit km, D, reach km): the default scenario, then the small grid of issue 11
DEFAULT_SCENARIO = dict(p=100, k=4, circuit_km=25, departements=57, reach_km=10)
CIRCUIT_GRID = (
    dict(p=100, k=2, circuit_km=25, departements=57, reach_km=10),
    dict(p=100, k=6, circuit_km=25, departements=57, reach_km=10),
    dict(p=100, k=4, circuit_km=15, departements=57, reach_km=10),
    dict(p=100, k=4, circuit_km=40, departements=57, reach_km=10),
    dict(p=50, k=4, circuit_km=25, departements=30, reach_km=10),
    dict(p=300, k=4, circuit_km=25, departements=96, reach_km=10),
)
CLASSICAL_GRID = (
    dict(p=100, k=1, circuit_km=0, departements=0, reach_km=5),
    dict(p=400, k=1, circuit_km=0, departements=0, reach_km=5),
    dict(p=1000, k=1, circuit_km=0, departements=0, reach_km=5),
    dict(p=100, k=1, circuit_km=0, departements=0, reach_km=10),
    dict(p=400, k=1, circuit_km=0, departements=0, reach_km=10),
    dict(p=1000, k=1, circuit_km=0, departements=0, reach_km=10),
    dict(p=100, k=1, circuit_km=0, departements=0, reach_km=15),
    dict(p=400, k=1, circuit_km=0, departements=0, reach_km=15),
    dict(p=1000, k=1, circuit_km=0, departements=0, reach_km=15),
)


def circuits_suite(args) -> None:
    cache = args.cache
    inputs = build_inputs(args.data_dir, cache)
    anchor = anchor_package(args.anchor_ref, cache)
    parts = set(args.parts.split(","))
    plan = []  # (label, weight, impl, time limit, scenario)
    if "default" in parts:
        for weight in args.weights.split(","):
            for impl, limit in (("anchor", 60), ("new", 60), ("new", 120)):
                plan.append(("default", weight, impl, limit, DEFAULT_SCENARIO))
    if "grid" in parts:
        for scenario in CIRCUIT_GRID:
            for impl in args.impls.split(","):
                plan.append(("grid", "population", impl, args.grid_time, scenario))
    if "classical" in parts:
        for scenario in CLASSICAL_GRID:
            for impl in args.impls.split(","):
                plan.append(("classical", "population", impl, 60, scenario))
    results = []
    for label, weight, impl, limit, scenario in plan:
        extra = {
            "k": scenario["k"],
            "circuit_km": scenario["circuit_km"],
            "departements": scenario["departements"],
            "time_limit": limit,
            "gap": 1e-4,
            "weight": weight,
            "impl": impl,
            "inputs": str(inputs),
            "anchor_path": str(anchor),
        }
        saved = args.reach_km
        args.reach_km = scenario["reach_km"]
        result = run_worker("circuits", args, "national", scenario["p"], timeout=limit * 3 + 120, **extra)
        args.reach_km = saved
        result |= {"suite": label, "weight": weight, "impl": impl, "time_limit": limit, "scenario": scenario}
        results.append(result)
    document = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": versions(),
        "load_average": os.getloadavg(),
        "anchor_ref": subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", args.anchor_ref], capture_output=True, text=True
        ).stdout.strip(),
        "results": results,
    }
    stamp = dt.datetime.now().strftime("%Y-%m-%d-%H%M%S")
    out = args.out or ROOT / "bench" / "results" / f"planner-circuits-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str))
    print(circuits_table(results))
    print(f"\nresults: {out}")


def circuits_table(results: list[dict]) -> str:
    lines = [
        "| suite | weighting | M | K | circuit km | D | reach km | planner | limit s | total s | peak RSS MB "
        "| objective | proven bound | gap | bound from (after s) | status |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        sc = r["scenario"]
        head = (
            f"| {r['suite']} | {r['weight']} | {r['p']} | {sc['k']} | {sc['circuit_km']} | {sc['departements']} "
            f"| {sc['reach_km']} | {'today (anchor)' if r['impl'] == 'anchor' else 'new'} | {r['time_limit']} "
        )
        if r.get("finished") is False:
            lines.append(head + f"| did not finish ({'timeout' if r.get('timed_out') else 'error'}) | | | | | | |")
            continue
        stats = r.get("stats", {})
        source = stats.get("bound_source", "")
        at = stats.get("bound_seconds")
        lines.append(
            head + f"| {r['total_s']:.1f} | {r['peak_rss_mb']:.0f} | {r['objective']:,.0f} | {r['upper_bound']:,.0f} "
            f"| {100 * r['gap']:.2f} % | {source}{'' if at is None else f' ({at:.0f} s)'} | {r['status']} |"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Orchestration
# --------------------------------------------------------------------------------------------------


def run_worker(kind: str, args, instance: str, p: int, timeout: float, **extra) -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        kind,
        "--data-dir",
        str(args.data_dir),
        "--instance",
        instance,
        "--p",
        str(p),
        "--reach-km",
        str(args.reach_km),
    ]
    for key, value in extra.items():
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    label = f"{kind} {instance} p={p} {extra}"
    print(f"… {label}", file=sys.stderr, flush=True)
    events: list[dict] = []
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        timed_out = True
    for line in out.splitlines():
        if line.startswith("{"):
            events.append(json.loads(line))
    result = {"tool": kind, "instance": instance, "p": p, "params": extra, "events": events}
    done = [e for e in events if e.get("stage") == "done"]
    if done:
        result.update(done[-1])
    else:
        result["finished"] = False
        result["wall_s"] = time.perf_counter() - start
        result["timed_out"] = timed_out
        result["returncode"] = proc.returncode
        result["stderr_tail"] = err[-1500:]
    print(
        f"  → {json.dumps({k: v for k, v in result.items() if k not in ('events', 'timings', 'stats')})[:400]}",
        file=sys.stderr,
        flush=True,
    )
    return result


def versions() -> dict:
    info = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count()}
    for mod in ("numpy", "scipy", "highspy", "pulp", "spopt"):
        try:
            module = __import__(mod)
            info[mod] = getattr(module, "__version__", None) or "installed"
        except ImportError:
            info[mod] = None
    try:
        import highspy

        info["highspy"] = highspy.Highs().version()
    except Exception:  # noqa: BLE001, S110
        pass
    with open("/proc/meminfo") as f:
        info["mem_total_gb"] = round(int(f.readline().split()[1]) / 1024**2, 1)
    return info


def fmt(x, spec=".1f", none="—"):
    return none if x is None else format(x, spec)


def table(results: list[dict]) -> str:
    lines = [
        "| instance | tool | n × m | p | build s | solve s | total s | peak RSS MB | objective | bound | gap "
        "| status |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if r.get("finished") is False:
            ev = {e["stage"]: e for e in r["events"]}
            got = ", ".join(
                f"{s} {fmt(ev[s].get('seconds'))} s (RSS {fmt(ev[s].get('rss_mb'), '.0f')} MB)"
                for s in ("distance_matrix", "built")
                if s in ev
            )
            beat = ev.get("heartbeat")
            if beat and beat["constraints"]:
                got += (
                    f"; model build: {beat['constraints']:,}/{beat['of']:,} coverage constraints in "
                    f"{beat['build_s']:.0f} s (RSS {beat['rss_now_mb']:,.0f} MB), full build extrapolated ≈ "
                    f"{beat['build_s'] * beat['of'] / beat['constraints'] / 60:.0f} min"
                )
            size = f"{ev['loaded']['n']} × {ev['loaded']['m']}" if "loaded" in ev else "?"
            lines.append(
                f"| {r['instance']} | {r['tool']} | {size} | {r['p']} | did not finish in {fmt(r['wall_s'], '.0f')} s"
                f" ({'timeout' if r.get('timed_out') else 'rc=' + str(r.get('returncode'))}); {got or 'nothing'}"
                " | | | | | | | |"
            )
            continue
        bound = r.get("upper_bound")
        gap = r.get("gap")
        status = r.get("status") or f"PuLP: {r.get('pulp_status')} (no bound)"
        label = r["tool"] + (f" (tol {r['params'].get('gap')})" if r["tool"] == "tremplin" else "")
        lines.append(
            f"| {r['instance']} | {label} | {r['n']} × {r['m']} | {r['p']} | {fmt(r['build_s'], '.2f')} | "
            f"{fmt(r['solve_s'], '.2f')} | {fmt(r['total_s'], '.2f')} | {fmt(r['peak_rss_mb'], '.0f')} | "
            f"{r['objective_common']:,.0f} | {fmt(bound, ',.0f')} | "
            f"{fmt(gap * 100 if gap is not None else None, '.3f')}{' %' if gap is not None else ''} | {status} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--worker", choices=("tremplin", "spopt", "circuits"))
    parser.add_argument("--suite", choices=("spopt", "circuits"), default="spopt")
    parser.add_argument("--parts", default="default,grid,classical", help="circuit suite: default,grid,classical")
    parser.add_argument("--weights", default="population,fragile,priority")
    parser.add_argument("--grid-time", type=float, default=60.0)
    parser.add_argument("--impls", default="anchor,new", help="circuit suite: planners of the grids")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--anchor-ref", default="HEAD")
    parser.add_argument("--impl", choices=("new", "anchor"), default="new")
    parser.add_argument("--weight", default="population")
    parser.add_argument("--inputs", type=Path)
    parser.add_argument("--anchor-path", type=Path)
    parser.add_argument("--instance", default="national")
    parser.add_argument("--p", type=int, default=400)
    parser.add_argument("--k", type=int, default=1)
    parser.add_argument("--departements", type=int, default=0)
    parser.add_argument("--circuit-km", type=float, default=0.0)
    parser.add_argument("--reach-km", type=float, default=10.0)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--gap", type=float, default=1e-4)
    parser.add_argument("--solver", choices=("highs", "cbc"), default="highs")
    parser.add_argument("--memory-limit-gb", type=float, default=14.0)
    parser.add_argument("--spopt-timeout", type=float, default=240.0, help="national spopt run, seconds")
    parser.add_argument("--heartbeat", type=float, default=10.0, help="spopt progress report period, seconds")
    parser.add_argument("--skip-national-spopt", action="store_true")
    parser.add_argument("--regional-only", action="store_true", help="only the regional instances")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.worker == "tremplin":
        return worker_tremplin(args)
    if args.worker == "spopt":
        return worker_spopt(args)
    if args.worker == "circuits":
        return worker_circuits(args)
    if args.suite == "circuits":
        return circuits_suite(args)

    results = []
    # regional instances, where spopt finishes. spopt's solver (HiGHS through PuLP, no gap given) stops at
    # HiGHS's default relative gap, 1e-4: Tremplin runs once with that same stopping rule, once to a proof.
    for instance, p in (("bretagne44", 20), ("region84", 50)):
        results.append(run_worker("spopt", args, instance, p, timeout=1800, time_limit=600))
        for gap in (1e-4, 0):
            results.append(run_worker("tremplin", args, instance, p, timeout=600, time_limit=60, gap=gap))
    if args.regional_only:
        return report(args, results)
    # national instances
    for p in (100, 400):
        results.append(run_worker("tremplin", args, "national", p, timeout=600, time_limit=30, gap=1e-4))
    results.append(run_worker("tremplin", args, "national", 400, timeout=600, time_limit=30, gap=0.005))
    if not args.skip_national_spopt:
        for p in (100, 400):
            results.append(run_worker("spopt", args, "national", p, timeout=args.spopt_timeout, time_limit=600))
    # information only: the programme's default scenario (K = 4 offices, 25 km circuits, 57 départements)
    results.append(
        run_worker(
            "tremplin", args, "national", 100, timeout=600, time_limit=60, gap=1e-4, k=4, circuit_km=25, departements=57
        )
    )
    report(args, results)


def report(args, results: list[dict]) -> None:
    # spopt's national model build, extrapolated from its per-pair rate on the regional instances
    rates = [r["model_build_s"] / (r["n"] * r["m"]) for r in results if r["tool"] == "spopt" and "model_build_s" in r]
    extrapolation = None
    nat = next((r for r in results if r["instance"] == "national" and r["tool"] == "tremplin"), None)
    if rates and nat:
        rate = max(rates)
        extrapolation = {
            "seconds_per_pair": rate,
            "national_pairs": nat["n"] * nat["m"],
            "national_model_build_s": rate * nat["n"] * nat["m"],
        }
    document = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": versions(),
        "results": results,
        "spopt_national_build_extrapolation": extrapolation,
    }
    name = "planner-regional" if args.regional_only else "planner"
    out = args.out or ROOT / "bench" / "results" / f"{name}-{dt.date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False))
    print(table(results))
    if extrapolation:
        print(
            f"\nspopt national model build, extrapolated at {extrapolation['seconds_per_pair'] * 1e6:.2f} µs/pair × "
            f"{extrapolation['national_pairs']:,} pairs ≈ {extrapolation['national_model_build_s'] / 60:.0f} min"
        )
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
