"""python manage.py import_reference [--data-dir DIR] [--download] [--only KEY ...]"""

import hashlib
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from tremplin.network.services import commune_distances_refresh
from tremplin.opendata.errors import FileFormatError
from tremplin.opendata.reference import (
    DERIVED,
    REFERENCE_FILES,
    DownloadError,
    file_sha256,
    journal,
    last_import,
    locate,
    run_import,
)
from tremplin.territories.services import builtin_indicators_refresh, fragility_scores_refresh

SHOWN_REJECTIONS = 20


def fr(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


class Command(BaseCommand):
    help = "Importe les données de référence (territoire, QPV, réseau postal, France services)."

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", help="dossier des fichiers officiels (défaut : TREMPLIN_DATA_DIR)")
        parser.add_argument(
            "--force", action="store_true", help="réimporter même les fichiers inchangés depuis le dernier import"
        )
        parser.add_argument(
            "--download",
            action="store_true",
            help="télécharger les fichiers absents depuis leur adresse officielle",
        )
        parser.add_argument(
            "--only", nargs="*", choices=[ref.key for ref in REFERENCE_FILES], help="fichiers à importer"
        )

    def handle(self, *args, data_dir=None, download=False, force=False, only=None, verbosity=1, **options):
        console = Console(file=self.stdout, highlight=False, soft_wrap=True, quiet=verbosity == 0)
        data_dir = (
            Path(data_dir or settings.TREMPLIN_DATA_DIR or "").expanduser()
            if (data_dir or settings.TREMPLIN_DATA_DIR)
            else None
        )
        if data_dir is not None and not data_dir.is_dir():
            raise CommandError(f"Dossier de données introuvable : {data_dir}")
        cache_dir = Path(settings.TREMPLIN_CACHE_DIR) / "reference"
        refs = [ref for ref in REFERENCE_FILES if not only or ref.key in only]
        found, feeds_derived = {}, {}
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=verbosity == 0,
        ) as progress:
            task = progress.add_task("Import des données de référence", total=len(refs) + 1)
            for ref in refs:
                progress.update(task, description=ref.label)
                try:
                    path = locate(ref, data_dir, cache_dir, allow_download=download)
                except DownloadError as exc:
                    raise CommandError(f"{ref.label} : {exc}") from exc
                if path is None:
                    console.print(f"[yellow]{ref.label} : fichier absent ({ref.path}), ignoré.[/yellow]")
                    progress.advance(task)
                    continue
                sha256 = file_sha256(path)
                found[ref.key] = sha256
                if ref.derived:
                    feeds_derived[ref.key] = sha256
                previous = None if force else last_import(ref, sha256)
                if previous is not None:
                    when = timezone.localtime(previous.imported_at)
                    console.print(
                        f"{ref.label} : inchangé depuis l'import du {when:%d/%m/%Y %H:%M} (--force pour réimporter)"
                    )
                    progress.advance(task)
                    continue
                started = time.perf_counter()
                try:
                    report = run_import(ref, path, sha256)
                except FileFormatError as exc:
                    console.print(f"[bold red]{ref.label} : fichier rejeté, rien n'a été écrit.[/bold red]")
                    raise CommandError(str(exc)) from exc
                report.notes.append(f"durée : {time.perf_counter() - started:.1f} s".replace(".", ","))
                self._print_report(console, report, verbosity)
                progress.advance(task)
            if feeds_derived:
                progress.update(task, description="Distances, indicateurs calculés et scores de fragilité")
                self._refresh_derived(console, verbosity, feeds_derived, force)
                progress.advance(task)
        if not found:
            raise CommandError(
                "Aucun fichier de référence trouvé : indiquer --data-dir, TREMPLIN_DATA_DIR, ou --download."
            )

    def _refresh_derived(self, console, verbosity, found: dict[str, str], force: bool):
        """What follows from the files: distances, built-in indicators, fragility scores (one transaction).

        Skipped when computed already from these very files (same checksums)."""
        state = hashlib.sha256(" ".join(f"{k}:{v}" for k, v in sorted(found.items())).encode()).hexdigest()
        if not force and last_import(DERIVED, state) is not None:
            console.print("Distances et scores de fragilité : à jour.")
            return
        started = time.perf_counter()
        with transaction.atomic():
            counts, help_points = commune_distances_refresh()
            builtin = builtin_indicators_refresh(help_point_km=help_points)
            builtin.notes.append(f"durée : {time.perf_counter() - started:.1f} s".replace(".", ","))
            started = time.perf_counter()
            scores = fragility_scores_refresh()
            journal(DERIVED, "", state, builtin)
        console.print(
            f"Distances au bureau de poste : {fr(counts.updated + counts.inserted)} mise(s) à jour, "
            f"{fr(counts.unchanged)} inchangée(s)"
        )
        self._print_report(console, builtin, verbosity)
        console.print(
            f"Scores de fragilité : {fr(scores['communes'])} commune(s) notée(s), "
            f"{fr(scores['areas'])} valeur(s) par EPCI, département et région "
            f"({time.perf_counter() - started:.1f} s)".replace(".", ",")
        )

    def _print_report(self, console, report, verbosity):
        console.print(
            f"[bold]{report.name}[/bold] ({report.path}) : {fr(report.inserted)} ajouté(s), "
            f"{fr(report.updated)} modifié(s), {fr(report.unchanged)} inchangé(s), {fr(report.rejected)} rejeté(s)"
        )
        for note in report.notes:
            console.print(f"  · {note}")
        shown = report.rejections if verbosity > 1 else report.rejections[:SHOWN_REJECTIONS]
        for rejection in shown:
            console.print(f"  [yellow]rejeté[/yellow] {rejection}", markup=True)
        if len(shown) < report.rejected:
            console.print(f"  … et {fr(report.rejected - len(shown))} autre(s) (-v 2 pour tout voir)")
