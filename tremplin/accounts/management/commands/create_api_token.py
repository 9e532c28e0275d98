"""python manage.py create_api_token --email EMAIL [--label …]: prints a new API key for that user."""

from django.core.management.base import BaseCommand, CommandError

from tremplin.accounts.models import User
from tremplin.accounts.tokens import api_token_create


class Command(BaseCommand):
    help = "Crée une clé d'API pour un compte et l'affiche (une seule fois)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="adresse e-mail du compte")
        parser.add_argument("--label", default="", help="usage de la clé (ex. : outil du partenaire)")

    def handle(self, *args, email, label, **options):
        user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            raise CommandError(f"Aucun compte actif avec l'adresse {email}.")
        _, key = api_token_create(user=user, label=label)
        self.stdout.write(key)
        if options.get("verbosity", 1) > 1:
            self.stderr.write("Conservez cette clé : elle ne sera plus affichée. En-tête : Authorization: Bearer <clé>")
