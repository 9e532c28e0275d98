"""python manage.py generate_load --mediators 4000 --beneficiaries 2000000 --activities 10000000 --seed 1
[--end 2026-11-30] [--years 3] [--force] — a synthetic national network for the dashboards' benchmarks (see
tremplin/reporting/load.py for what it draws)."""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from tremplin.accounts.models import User
from tremplin.reporting import load


def fr(number: float) -> str:
    return f"{number:,.0f}".replace(",", "\u202f")


class Command(BaseCommand):
    help = "Remplit la base d'un réseau national synthétique (médiateurs, personnes, activités) pour les mesures."

    def add_arguments(self, parser):
        parser.add_argument("--mediators", type=int, default=200)
        parser.add_argument("--beneficiaries", type=int, default=100_000)
        parser.add_argument("--activities", type=int, default=500_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--end", type=datetime.date.fromisoformat, default=None, help="dernier jour (AAAA-MM-JJ)")
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument("--force", action="store_true", help="même si la base contient de vraies personnes")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        volumes = load.Volumes(
            mediators=options["mediators"],
            beneficiaries=options["beneficiaries"],
            activities=options["activities"],
            seed=options["seed"],
            end=options["end"],
            years=options["years"],
        )
        if volumes.mediators < 1 or volumes.beneficiaries < volumes.mediators or volumes.activities < 0:
            raise CommandError("Il faut au moins un médiateur, et au moins autant de personnes que de médiateurs.")
        if not 1 <= volumes.years <= 6:
            raise CommandError("--years : entre 1 et 6 ans.")
        real = load.real_people()
        if real and not options["force"]:
            raise CommandError(
                f"La base contient {fr(real)} personnes réelles (non générées) : la charge synthétique s'y mêlerait "
                "aux statistiques. Utilisez une base vide, ou --force si vous savez ce que vous faites."
            )
        if User.objects.filter(email=f"pilote-{volumes.seed}@{load.EMAIL_DOMAIN}").exists():
            raise CommandError(f"Une charge de graine {volumes.seed} existe déjà dans cette base : changez --seed.")
        started = time.perf_counter()
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            disable=options["no_progress"] or options["verbosity"] == 0,
        ) as progress:

            def step(label, total):
                task = progress.add_task(label, total=total)
                return lambda n: progress.advance(task, n)

            result = load.generate(volumes, step=step)
        elapsed = time.perf_counter() - started
        territory = "communes générées" if result.communes_generated else "communes réelles"
        self.stdout.write(
            f"{fr(result.organisations)} organisations, {fr(result.sites)} lieux ({territory}), "
            f"{fr(result.mediators)} médiateurs, {fr(result.beneficiaries)} personnes, "
            f"{fr(result.activities)} activités, {fr(result.participants)} participations, en {elapsed:.0f} s."
        )
