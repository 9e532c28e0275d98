"""python manage.py assign_totp_card --email X --serial S --seed HEX [--period 30] [--digits 6]

Gives an account one of the hardware TOTP cards an organisation bought (for a mediator without a smartphone, or
who may not use a personal one at work): the serial number is printed on the card, the seed comes, in
hexadecimal, in the supplier's file. The card then works as an authenticator application (same one step of
clock drift tolerated, same lockout), and is listed on the account's security page as "Carte TOTP n° S".
A serial already assigned to another account is refused (exit code 1). Journaled in the security journal.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tremplin.accounts.models import User
from tremplin.accounts.services import totp_card_assign


class Command(BaseCommand):
    help = "Attribue une carte TOTP (numéro de série et graine du fichier du fournisseur) à un compte."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="adresse e-mail du compte")
        parser.add_argument("--serial", required=True, help="numéro de série imprimé sur la carte")
        parser.add_argument("--seed", required=True, help="graine de la carte, en hexadécimal (fichier du fournisseur)")
        parser.add_argument("--period", type=int, default=30, help="durée de validité d'un code, en secondes (30)")
        parser.add_argument("--digits", type=int, default=6, help="nombre de chiffres d'un code : 6 ou 8 (6)")

    def handle(self, *args, email, serial, seed, period, digits, **options):
        user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            raise CommandError(f"Aucun compte actif avec l'adresse {email}.")
        try:
            device, created = totp_card_assign(user=user, serial=serial, seed=seed, period=period, digits=digits)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if created:
            self.stdout.write(f"{device.name} attribuée à {user.email}.")
        else:
            self.stdout.write(f"{device.name} était déjà attribuée à {user.email} : rien n'a changé.")
