"""`manage.py demo_code`: the current second-factor code of the demo account aidant@ (demo database only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tremplin.demo.mandates import AIDANT, DEMO_TOTP_KEY


class Command(BaseCommand):
    help = "Affiche le code de double authentification du moment du compte de démonstration aidant@."

    def handle(self, *args, **options):
        if not settings.TREMPLIN_SECOND_FACTOR_RELAXED:
            raise CommandError("Commande réservée à la démonstration (TREMPLIN_SECOND_FACTOR_RELAXED).")
        device = TOTPDevice.objects.filter(user__email=AIDANT, key=DEMO_TOTP_KEY, confirmed=True).first()
        if device is None:
            raise CommandError("Pas de compte aidant@ de démonstration : lancez d'abord make demo.")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        self.stdout.write(f"Code de aidant@demo.tremplin.fr : {code:0{device.digits}d} (valable 30 secondes)")
