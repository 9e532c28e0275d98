"""python manage.py setup_demo: reference data (real when available), demo accounts for every role.

Idempotent: a second run re-imports nothing that has not changed and duplicates nothing.
"""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count, Q

from tremplin.accounts.enums import Role
from tremplin.accounts.models import User
from tremplin.demo.activities import demo_activities_create
from tremplin.demo.beneficiaries import demo_beneficiaries_create
from tremplin.demo.mandates import demo_mandates_create
from tremplin.demo.objectives import seed as demo_objectives_seed
from tremplin.demo.places import demo_places_create, demo_referrals_create
from tremplin.demo.territory import write_demo_territory
from tremplin.demo.workshops import demo_workshops_create
from tremplin.network.enums import OrganisationKind, SiteKind, SiteSource
from tremplin.network.models import Organisation, Site
from tremplin.planning.enums import Weight
from tremplin.planning.models import Scenario
from tremplin.planning.services import PlanOptions, scenario_create
from tremplin.territories.models import Commune, Departement

DEMO_PASSWORD = "Tremplin-demo-2026"  # printed on screen: demo database only
PREFERRED_DEPARTEMENTS = ("22", "93")  # Côtes-d'Armor (rural), Seine-Saint-Denis (QPV)


class Command(BaseCommand):
    help = "Prépare la base de démonstration : données de référence et comptes pour chaque rôle."

    def handle(self, *args, **options):
        data_dir = Path(settings.TREMPLIN_DATA_DIR) if settings.TREMPLIN_DATA_DIR else None
        if data_dir is not None and (data_dir / "communes").is_dir():
            self.stdout.write(f"Données de référence réelles : {data_dir}")
        else:
            data_dir = write_demo_territory(settings.VAR_DIR / "demo-data")
            self.stdout.write(
                self.style.WARNING(
                    "Aucune donnée de référence réelle trouvée (TREMPLIN_DATA_DIR) : un petit territoire FICTIF "
                    f"est généré dans {data_dir}. Pour les vraies données : make demo TREMPLIN_DATA_DIR=…"
                )
            )
        call_command("import_reference", data_dir=str(data_dir), verbosity=1, stdout=self.stdout)
        accounts = self.create_accounts()
        self.stdout.write(f"Personnes accompagnées de démonstration créées : {demo_beneficiaries_create()}")
        self.stdout.write(f"Séances d'ateliers de démonstration créées : {demo_workshops_create()}")
        self.stdout.write(f"Lieux de médiation numérique dans l'annuaire : {demo_places_create(data_dir, self.stdout)}")
        self.stdout.write(f"Orientations de démonstration créées : {demo_referrals_create()}")
        mandates, aidant_second_factor = demo_mandates_create()
        self.stdout.write(f"Mandats de démonstration créés : {mandates}")
        self.stdout.write(f"Activités de démonstration créées : {demo_activities_create()}")
        self.stdout.write(f"Objectifs et équipe de démonstration créés : {demo_objectives_seed()}")
        if self.create_scenario():
            self.stdout.write(
                "Scénario de déploiement de démonstration mis en file : le worker le calcule au démarrage."
            )
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Base de démonstration préparée. Comptes de démonstration :"))
        self.stdout.write(f"Mot de passe de tous les comptes de démonstration : {DEMO_PASSWORD}")
        for user, detail in accounts:
            self.stdout.write(f"  {user.get_role_display():<35} {user.email:<38} {detail}")
        if aidant_second_factor:
            self.stdout.write(
                "aidant@ a la double authentification (base de démonstration seulement) : clé à saisir dans une "
                f"application d'authentification {aidant_second_factor.secret_base32}, ou l'un de ces codes de "
                f"secours à usage unique : {', '.join(aidant_second_factor.recovery_codes)}. "
                "Code du moment : .venv/bin/python manage.py demo_code"
            )
        else:
            self.stdout.write(
                "aidant@ : code de double authentification du moment : .venv/bin/python manage.py demo_code"
            )
        if settings.TREMPLIN_SECOND_FACTOR_RELAXED:
            self.stdout.write(
                self.style.WARNING(
                    "Démonstration : la double authentification n'est pas imposée aux comptes administrateur, "
                    "pilote national et d'administration (TREMPLIN_SECOND_FACTOR_RELAXED) ; en production elle "
                    "l'est toujours. Pour l'essayer ici : TREMPLIN_SECOND_FACTOR_RELAXED=0 make demo"
                )
            )

    @transaction.atomic
    def create_accounts(self):
        departements = list(
            Departement.objects.filter(code__in=PREFERRED_DEPARTEMENTS)
            or Departement.objects.annotate(
                n=Count("communes__sites", filter=Q(communes__sites__kind=SiteKind.POST_OFFICE))
            )
            .filter(n__gt=0)
            .order_by("code")[:2]
        )
        first, last = departements[0], departements[-1]
        la_poste, _ = Organisation.objects.get_or_create(name="La Poste", defaults={"kind": OrganisationKind.LA_POSTE})
        partner, _ = Organisation.objects.get_or_create(
            name="Association Les Connectés (démo)", defaults={"kind": OrganisationKind.ASSOCIATION}
        )
        # A mediator's circuit: the bureaux de poste of four different towns of the first département.
        offices = {}
        candidates = Site.objects.post_offices().located().filter(commune__departement=first)
        for office in candidates.order_by("-commune__population", "external_id")[:200]:
            offices.setdefault(office.commune_id, office)
        offices = list(offices.values())[:4]
        partner_commune = (
            Commune.objects.actual().filter(departement=last, qpvs__isnull=False).order_by("-population").first()
            or Commune.objects.actual().filter(departement=last).order_by("-population").first()
        )
        partner_place, _ = Site.objects.update_or_create(
            source=SiteSource.MANUAL,
            external_id="demo-lieu-1",
            defaults={
                "name": f"Espace numérique Les Connectés — {partner_commune.name}",
                "kind": SiteKind.PARTNER_PLACE,
                "organisation": partner,
                "address": "12 rue de la République",
                "postcode": partner_commune.postcodes[:5],
                "city": partner_commune.name,
                "commune": partner_commune,
                "latitude": partner_commune.latitude,
                "longitude": partner_commune.longitude,
            },
        )
        specs = [
            ("pilote@demo.tremplin.fr", "Nadia", "Benali", Role.NATIONAL_MANAGER, la_poste, [], [], "France entière"),
            ("admin@demo.tremplin.fr", "Alex", "Durand", Role.ADMINISTRATOR, None, [], [], "administration"),
            (
                "coordination@demo.tremplin.fr",
                "Yann",
                "Le Goff",
                Role.COORDINATOR,
                la_poste,
                departements,
                [],
                ", ".join(str(d) for d in departements),
            ),
            (
                "mediateur@demo.tremplin.fr",
                "Léa",
                "Martin",
                Role.MEDIATOR,
                la_poste,
                [],
                offices,
                ", ".join(o.name for o in offices),
            ),
            (
                "aidant@demo.tremplin.fr",
                "Thomas",
                "Robert",
                Role.MEDIATOR,
                la_poste,
                [],
                offices,
                "habilité aux mandats (Aidants Connect), double authentification active",
            ),
            (
                "guichet@demo.tremplin.fr",
                "Karim",
                "Haddad",
                Role.COUNTER_AGENT,
                la_poste,
                [],
                offices[:1],
                offices[0].name if offices else "",
            ),
            (
                "partenaire@demo.tremplin.fr",
                "Sophie",
                "Moreau",
                Role.PARTNER_STAFF,
                partner,
                [],
                [partner_place],
                partner.name,
            ),
        ]
        created = []
        for email, first_name, last_name, role, organisation, deps, sites, detail in specs:
            user, is_new = User.objects.update_or_create(
                email=email,
                defaults={
                    "first_name": first_name,
                    "last_name": last_name,
                    "role": role,
                    "organisation": organisation,
                    "is_staff": role in (Role.NATIONAL_MANAGER, Role.ADMINISTRATOR),
                    "is_superuser": role == Role.ADMINISTRATOR,
                },
            )
            if is_new:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            user.departements.set(deps)
            user.sites.set(sites)
            created.append((user, detail))
        return created

    def create_scenario(self) -> bool:
        """The programme's own question, as a first scenario (computed by the worker once the server runs)."""
        if Scenario.objects.exists():
            return False
        offices = Site.objects.post_offices().located()
        departements = offices.values("commune__departement").distinct().count()
        mediators = max(1, min(100, offices.count() // 8))
        options = PlanOptions(
            mediators=mediators,
            offices_per_mediator=4,
            departements=min(57, departements, mediators),
            weight=Weight.FRAGILE,
            time_limit_s=30,
        )
        manager = User.objects.filter(role=Role.NATIONAL_MANAGER).first()
        name = f"Démonstration — {mediators} médiateurs, 4 bureaux chacun, population fragile"
        scenario_create(user=manager, name=name, options=options)
        return True
