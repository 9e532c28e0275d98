"""`manage.py export_journal --out FILE`: the mandate journal as JSON Lines, for an external auditor.

One line per entry, in position order: the canonical record that is hashed, plus its `hash` and `id`. Streamed
(constant memory). Check it without Tremplin: `python3 scripts/verify_journal_export.py FILE`.
"""

import sys

from django.core.management.base import BaseCommand

from tremplin.mandates.journal import export_lines


class Command(BaseCommand):
    help = "Exporte le journal des mandats en JSON Lines (une entrée par ligne) pour un auditeur."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="Fichier à écrire (« - » pour la sortie standard).")

    def handle(self, *args, out, **options):
        count = 0
        if out == "-":
            stream = sys.stdout.buffer
            for line in export_lines():
                stream.write(line)
                count += 1
            stream.flush()
            self.stderr.write(f"{count} entrées exportées.")
            return
        with open(out, "wb") as stream:
            for line in export_lines():
                stream.write(line)
                count += 1
        self.stdout.write(f"{count} entrées exportées dans {out}.")
