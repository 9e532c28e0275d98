"""python manage.py create_api_token --email EMAIL [--label …] [--days N]: prints a new API key for that user."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tremplin.accounts.models import User
from tremplin.accounts.tokens import api_token_create


class Command(BaseCommand):
    help = "Crée une clé d'API pour un compte et l'affiche (une seule fois)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="adresse e-mail du compte")
        parser.add_argument("--label", default="", help="usage de la clé (ex. : outil du partenaire)")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"durée de validité en jours (par défaut : {settings.TREMPLIN_API_TOKEN_DAYS})",
        )

    def handle(self, *args, email, label, days=None, **options):
        user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            raise CommandError(f"Aucun compte actif avec l'adresse {email}.")
        if days is not None and days < 1:
            raise CommandError("La durée de validité (--days) est d'au moins un jour.")
        token, key = api_token_create(user=user, label=label, days=days)
        self.stdout.write(key)
        if options.get("verbosity", 1) > 1:
            expires = timezone.localtime(token.expires_at)
            self.stderr.write(
                f"Conservez cette clé : elle ne sera plus affichée. Elle expire le {expires:%d/%m/%Y à %H:%M}. "
                "En-tête : Authorization: Bearer <clé>"
            )
