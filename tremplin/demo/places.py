"""Demo places of the directory: the real national file when the data directory has it (imported with
`import_places`), and always two permanences of the demo association near the demo mediator's offices, kept up to
date by partenaire@ and used as the target of the demo referrals."""

import datetime

from django.core.management import call_command
from django.utils import timezone

from tremplin.accounts.models import User
from tremplin.places.models import Place

MEDIATOR, PARTNER = "mediateur@demo.tremplin.fr", "partenaire@demo.tremplin.fr"
REAL_FILE = "lieux_mediation_numerique/cnfs_lieux_2022-12-02_sans_aidants.json"
SERVICES = [
    "Aide aux démarches administratives",
    "Maîtrise des outils numériques du quotidien",
    "Accès internet et matériel informatique",
]


def demo_places_create(data_dir, stdout=None) -> int:
    """Create the demo places (once); return how many exist afterwards."""
    real = data_dir / REAL_FILE if data_dir else None
    if real and real.is_file() and not Place.objects.exclude(external_id__startswith="demo-").exists():
        call_command("import_places", str(real), stdout=stdout)
    users = {u.email: u for u in User.objects.filter(email__in=(MEDIATOR, PARTNER))}
    mediator, partner = users.get(MEDIATOR), users.get(PARTNER)
    if mediator is None or partner is None:
        return Place.objects.count()
    offices = list(mediator.sites.select_related("commune").order_by("name")[:2])
    for index, office in enumerate(offices):
        commune = office.commune
        Place.objects.get_or_create(
            external_id=f"demo-les-connectes-{commune.code_insee}",
            defaults={
                "pivot": "W225001234",  # an RNA number: associations have one
                "name": f"Les Connectés — permanence de {commune.name}",
                "address": f"{3 + index} place de la Mairie",
                "postcode": (commune.postcodes or "")[:5] or commune.code_insee,
                "city": commune.name,
                "code_insee": commune.code_insee,
                "commune": commune,
                "latitude": (office.latitude or commune.latitude) + 0.004,
                "longitude": (office.longitude or commune.longitude) + 0.004,
                "phone": "0296000000",
                "emails": ["permanence@les-connectes.example"],
                "hours": "Mo-Fr 09:00-12:00,14:00-17:30" if index == 0 else "Tu,Th 14:00-18:00; Sa 09:30-12:00",
                "source": "Tremplin (démonstration)",
                "source_updated_on": timezone.localdate() - datetime.timedelta(days=20),
                "services": SERVICES,
                "publics": ["Seniors"],
                "fees": ["Gratuit"],
                "access_modes": ["Se présenter", "Téléphoner"],
                "support_modes": ["Accompagnement individuel", "Dans un atelier collectif"],
                "organisation": partner.organisation,
                "updated_by": partner,
            },
        )
    return Place.objects.count()


def demo_referrals_create() -> int:
    """Referrals from the demo mediator to the demo association's permanence, in several states (once)."""
    from tremplin.beneficiaries.models import Beneficiary
    from tremplin.referrals import services as referral_services
    from tremplin.referrals.enums import DeclineReason
    from tremplin.referrals.models import Referral

    users = {u.email: u for u in User.objects.filter(email__in=(MEDIATOR, PARTNER))}
    mediator, partner = users.get(MEDIATOR), users.get(PARTNER)
    place = Place.objects.filter(external_id__startswith="demo-les-connectes-").order_by("pk").first()
    if mediator is None or partner is None or place is None or Referral.objects.exists():
        return 0
    people = list(
        Beneficiary.objects.active()
        .filter(organisation=mediator.organisation, site__in=mediator.sites.all(), anonymised_at__isnull=True)
        .exclude(first_name="")
        .order_by("-pk")[:4]
    )
    reasons = [
        ("Aide aux démarches administratives", "Dossier de retraite à compléter en ligne"),
        ("Maîtrise des outils numériques du quotidien", "Souhaite apprendre à utiliser sa tablette"),
        ("Accès internet et matériel informatique", "N'a pas d'ordinateur pour ses démarches"),
        ("Aide aux démarches administratives", "Demande de logement social"),
    ]
    made = []
    for person, (service, reason) in zip(people, reasons, strict=False):
        made.append(
            referral_services.referral_create(
                beneficiary=person,
                place=place,
                service=service,
                reason=reason,
                note="Préfère être appelée le matin.",
                by=mediator,
            )
        )
    if len(made) == 4:
        referral_services.referral_accept(referral=made[1], by=partner)
        referral_services.referral_accept(referral=made[2], by=partner)
        referral_services.referral_mark_seen(referral=made[2], by=partner)
        referral_services.referral_decline(
            referral=made[3], reason=DeclineReason.FULL, text="Reprise des permanences en janvier.", by=partner
        )
    return len(made)
