"""python manage.py score_diagnostic --input answers.json

Reads {"internet_last_3_months": true, "answers": {"comm_email": true, ...}} (absent items are "no")
and prints, as JSON on stdout:
{"areas": {"information": …, "communication": …, "content": …, "safety": …, "problem_solving": …},
 "overall": …, "insee": …, "recommended_themes": [...]}.
An unknown identifier or a non-boolean answer is an error naming it (message on stderr, exit status 1).
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tremplin.diagnostics import questionnaire as questionnaires
from tremplin.diagnostics import scoring

INTERNET = "internet_last_3_months"


def parse(payload, questionnaire: questionnaires.Questionnaire) -> tuple[bool, dict[str, bool]]:
    """Validate the command's input; raise CommandError naming the first faulty key."""
    if not isinstance(payload, dict):
        raise CommandError("L'entrée doit être un objet JSON avec les clés « internet_last_3_months » et « answers ».")
    unknown_keys = sorted(set(payload) - {INTERNET, "answers"})
    if unknown_keys:
        raise CommandError(f"Clé inconnue : {unknown_keys[0]}")
    if INTERNET not in payload:
        raise CommandError(f"Clé manquante : {INTERNET}")
    if not isinstance(payload[INTERNET], bool):
        raise CommandError(f"Réponse non booléenne pour {INTERNET} : {json.dumps(payload[INTERNET])}")
    answers = payload.get("answers", {})
    if not isinstance(answers, dict):
        raise CommandError("« answers » doit être un objet JSON {identifiant: true/false}.")
    known = questionnaire.item_ids
    for key, value in answers.items():
        if key not in known:
            raise CommandError(f"Identifiant inconnu : {key}")
        if not isinstance(value, bool):
            raise CommandError(f"Réponse non booléenne pour {key} : {json.dumps(value, ensure_ascii=False)}")
    return payload[INTERNET], answers


class Command(BaseCommand):
    help = "Calcule les niveaux DSI 2.0, la classe INSEE et les thématiques recommandées d'un fichier de réponses."

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="fichier JSON des réponses (« - » : entrée standard)")
        parser.add_argument(
            "--questionnaire-version",
            dest="questionnaire_version",
            default=None,
            help="version du questionnaire (par défaut : la plus récente)",
        )

    def handle(self, *args, **options):
        source = options["input"]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Lecture impossible de {source} : {error.strerror}") from error
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(f"JSON invalide dans {source}, ligne {error.lineno} : {error.msg}") from error
        try:
            questionnaire = (
                questionnaires.load(questionnaires.BASE, options["questionnaire_version"])
                if options["questionnaire_version"]
                else questionnaires.current()
            )
        except questionnaires.QuestionnaireError as error:
            raise CommandError(str(error)) from error
        internet, answers = parse(payload, questionnaire)
        result = questionnaire.score(internet, answers)
        output = {
            "areas": {area: result.areas[area] for area in scoring.AREAS},
            "overall": result.overall,
            "insee": result.insee,
            "recommended_themes": questionnaire.recommend(result),
        }
        self.stdout.write(json.dumps(output, ensure_ascii=False))
