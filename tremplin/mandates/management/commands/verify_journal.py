"""`manage.py verify_journal`: check the hash chain of the mandate journal and record the result.

Exit status 0 and "Journal des mandats intact : N entrées vérifiées." when intact; otherwise 1 and
"Journal des mandats rompu à l'entrée n° <id> : <motif>". The head hash is printed so that it can be kept outside
Tremplin (docs/journal-des-mandats.md); `--expected-head` checks that a hash kept earlier is still in the journal.
"""

from django.core.management.base import BaseCommand

from tremplin.mandates.journal import verification_record


class Command(BaseCommand):
    help = "Vérifie la chaîne d'empreintes du journal des mandats (code de sortie 1 si elle est rompue)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--expected-head",
            metavar="EMPREINTE",
            help="Empreinte de tête conservée hors de Tremplin : elle doit toujours figurer dans le journal.",
        )

    def handle(self, *args, expected_head=None, **options):
        result = verification_record(expected_head=expected_head).result
        if result.intact:
            self.stdout.write(f"Journal des mandats intact : {result.checked} entrées vérifiées.")
            if result.head_position:
                self.stdout.write(f"Empreinte de tête (position {result.head_position}) : {result.head_hash}")
            return
        if result.first_broken_id is not None:
            self.stdout.write(
                f"Journal des mandats rompu à l'entrée n° {result.first_broken_id} : {result.reason} "
                f"(position {result.first_broken_position})."
            )
        else:
            self.stdout.write(f"Journal des mandats rompu : {result.reason}.")
        raise SystemExit(1)
