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


def worker_tremplin(args) -> None:
    from tremplin.planning.solver import PlanningInstance, PlanningParams, solve

    t = time.perf_counter()
    data = load_data(args.data_dir, args.instance)
    deps = sorted(set(data["site_deps"]))
    group = np.array([deps.index(d) for d in data["site_deps"]], dtype=np.int64)
    load_s = time.perf_counter() - t
    rss_loaded = rss_mb()
    inst = PlanningInstance(data["demand"], data["weights"], data["sites"], group)
    params = PlanningParams(
        mediators=args.p,
        offices_per_mediator=args.k,
        reach_km=args.reach_km,
        circuit_km=args.circuit_km,
        departements=args.departements,
        time_limit_s=args.time_limit,
        gap_tolerance=args.gap,
    )
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
    parser.add_argument("--worker", choices=("tremplin", "spopt"))
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
