"""python manage.py plan_deployment --mediators 100 --offices-per-mediator 4 --reach-km 10 --circuit-km 25 \
--departements 57 --weight population [--site-types bureau_de_poste] [--departement-list 22,29] \
[--time-limit 60] --out plan.json"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tremplin.planning.enums import Weight
from tremplin.planning.services import PlanOptions, plan_compute
from tremplin.planning.solver import PlanningError


def fr(number: float) -> str:
    return f"{number:,.0f}".replace(",", "\u202f")


def csv_list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


class Command(BaseCommand):
    help = "Calcule un plan de déploiement des médiateurs (où aller, avec quels bureaux) et l'écrit en JSON."

    def add_arguments(self, parser):
        parser.add_argument("--mediators", type=int, default=100)
        parser.add_argument("--offices-per-mediator", type=int, default=4)
        parser.add_argument("--reach-km", type=float, default=10.0)
        parser.add_argument("--circuit-km", type=float, default=25.0)
        parser.add_argument("--departements", type=int, default=57)
        parser.add_argument("--departement-list", type=csv_list, default=())
        parser.add_argument("--weight", choices=Weight.values, default=Weight.POPULATION)
        parser.add_argument("--site-types", type=csv_list, default=("bureau_de_poste",))
        parser.add_argument("--qpv-factor", type=float, default=2.0)
        parser.add_argument("--rural-factor", type=float, default=1.5)
        parser.add_argument("--force-in", type=csv_list, default=(), help="identifiants La Poste à imposer")
        parser.add_argument("--force-out", type=csv_list, default=(), help="identifiants La Poste à exclure")
        parser.add_argument("--time-limit", type=float, default=60.0)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args, **opts):
        options = PlanOptions(
            mediators=opts["mediators"],
            offices_per_mediator=opts["offices_per_mediator"],
            reach_km=opts["reach_km"],
            circuit_km=opts["circuit_km"],
            departements=opts["departements"],
            departement_list=opts["departement_list"],
            weight=opts["weight"],
            site_types=opts["site_types"],
            qpv_factor=opts["qpv_factor"],
            rural_factor=opts["rural_factor"],
            forced_in=opts["force_in"],
            forced_out=opts["force_out"],
            time_limit_s=opts["time_limit"],
            seed=opts["seed"],
        )

        def progress(stage, fraction):
            if opts["verbosity"] > 1:
                self.stderr.write(f"{stage} : {fraction:.0%}")

        try:
            result = plan_compute(options, progress)
        except PlanningError as exc:
            raise CommandError(str(exc)) from exc
        opts["out"].write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        reached = result["reached"]
        offices = sum(len(m["offices"]) for m in result["mediators"])
        self.stdout.write(
            f"{len(result['mediators'])} médiateur(s), {offices} site(s) ; "
            f"population atteinte {fr(reached['population'])} ; "
            f"population fragile {fr(reached['fragile_population'])} ; objectif {fr(result['objective'])}, "
            f"borne {fr(result['upper_bound'])}, écart {result['gap']:.3%} "
            f"({result['status']}, {result['timings'].get('total', 0):.1f} s) → {opts['out']}"
        )
