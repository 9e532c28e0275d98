"""Fictional people for the demo: records at the demo mediator's offices, the counter and the partner
place, with counter screenings, diagnostics and some re-assessments. Idempotent: a person already
there (same organisation, first and last name) is left as it is, and nothing is added for them."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from tremplin.accounts.models import User
from tremplin.beneficiaries import services as beneficiary_services
from tremplin.beneficiaries.enums import ConsentKind, Gender, SocialStatus
from tremplin.beneficiaries.models import Beneficiary, name_key
from tremplin.diagnostics import questionnaire as questionnaires
from tremplin.diagnostics import services as diagnostic_services

MEDIATOR, COUNTER, PARTNER = "mediateur@demo.tremplin.fr", "guichet@demo.tremplin.fr", "partenaire@demo.tremplin.fr"
FIRST_NAMES = [
    ("Josiane", Gender.FEMALE), ("Marcel", Gender.MALE), ("Yvette", Gender.FEMALE), ("Bernard", Gender.MALE),
    ("Fatima", Gender.FEMALE), ("Mamadou", Gender.MALE), ("Nathalie", Gender.FEMALE), ("Kevin", Gender.MALE),
    ("Monique", Gender.FEMALE), ("Gérard", Gender.MALE), ("Aïcha", Gender.FEMALE), ("Loïc", Gender.MALE),
    ("Huguette", Gender.FEMALE), ("Youssef", Gender.MALE), ("Sandrine", Gender.FEMALE), ("Thierry", Gender.MALE),
    ("Odette", Gender.FEMALE), ("Rémi", Gender.MALE), ("Chantal", Gender.FEMALE), ("Dylan", Gender.MALE),
]  # fmt: skip
LAST_NAMES = [
    "Le Bihan", "Morvan", "Guillou", "Le Goff", "Diallo", "Benali", "Tanguy", "Henry", "Kerboriou", "Le Gall",
    "Traoré", "Cariou", "Nicolas", "Perrot", "Rolland", "Jégou", "Haddad", "Lemoine", "Riou", "Prigent",
]  # fmt: skip
PEOPLE_PER_OFFICE = 7
PEOPLE_AT_PARTNER = 8
WALK_INS = 6


def _answers(rng: random.Random, questionnaire, share: float) -> list[str]:
    return sorted(item for item in questionnaire.item_ids if rng.random() < share)


def _use_cases(rng: random.Random, questionnaire, level: int) -> dict[str, str]:
    scale = ["entierement_accompagne", "partiellement_autonome", "autonome"]
    return {u["id"]: scale[min(2, max(0, level + rng.choice((-1, 0, 0, 1))))] for u in questionnaire.use_cases}


@transaction.atomic
def demo_beneficiaries_create(*, seed: int = 2026) -> int:
    """Create the demo people (and their history); return how many people were created."""
    users = {user.email: user for user in User.objects.filter(email__in=(MEDIATOR, COUNTER, PARTNER))}
    mediator, counter, partner = users.get(MEDIATOR), users.get(COUNTER), users.get(PARTNER)
    if mediator is None or partner is None:
        return 0
    rng = random.Random(seed)
    questionnaire = questionnaires.current()
    now = timezone.now()
    places = [(site, mediator) for site in mediator.sites.order_by("name") for _ in range(PEOPLE_PER_OFFICE)]
    places += [(site, partner) for site in partner.sites.order_by("name") for _ in range(PEOPLE_AT_PARTNER)]
    counter_site = counter.sites.first() if counter else None
    created = 0
    for index, (site, staff) in enumerate(places):
        first_name, gender = FIRST_NAMES[index % len(FIRST_NAMES)]
        last_name = LAST_NAMES[(index * 7) % len(LAST_NAMES)]
        birth_year = 1935 + rng.randrange(0, 70)
        profile = rng.choice(("illectronisme", "illectronisme", "fragile", "fragile", "autonome"))
        reassess = rng.random() < 0.4
        names = {"first_name": first_name, "last_name": last_name, "pseudonym": ""}
        if index % 11 == 5:  # someone who prefers not to give their name
            names = {"first_name": "", "last_name": "", "pseudonym": f"{first_name} {last_name[0]}."}
        key = name_key(names["first_name"], names["last_name"]) or name_key(names["pseudonym"])
        if Beneficiary.objects.filter(organisation=staff.organisation, name_key=key).exists():
            continue
        person = beneficiary_services.beneficiary_create(
            organisation=staff.organisation,
            created_by=staff,
            site=site,
            **names,
            birth_year=birth_year,
            commune=site.commune,
            mobile_phone=f"06{rng.randrange(10**7, 10**8)}" if rng.random() < 0.6 else "",
            landline_phone=f"02{rng.randrange(10**7, 10**8)}" if rng.random() < 0.3 else "",
            postal_address=f"{rng.randrange(1, 80)} rue de la Mairie" if rng.random() < 0.5 else "",
            gender=gender,
            social_status=rng.choice(SocialStatus.values),
            ignore_duplicates=True,
        )
        beneficiary_services.consent_record(beneficiary=person, kind=ConsentKind.DATA_PROCESSING, given=True, by=staff)
        if person.mobile_phone:
            beneficiary_services.consent_record(beneficiary=person, kind=ConsentKind.CONTACT, given=True, by=staff)
        created += 1
        first_date = now - datetime.timedelta(days=rng.randrange(70, 200))
        if counter is not None and site == counter_site:
            diagnostic_services.screening_create(
                performed_by=counter,
                organisation=counter.organisation,
                site=site,
                beneficiary=person,
                used_internet=profile != "illectronisme",
                has_email=profile == "autonome",
                struggles_online=profile != "autonome",
                has_device=rng.random() < 0.8,
            )
        if index % 6 == 4:  # recorded, not assessed yet
            continue
        internet = profile != "illectronisme"
        share = {"illectronisme": 0.0, "fragile": 0.15, "autonome": 0.55}[profile]
        level = {"illectronisme": 0, "fragile": 1, "autonome": 2}[profile]
        diagnostic_services.diagnostic_create(
            beneficiary=person,
            performed_by=staff,
            site=site,
            internet_last_3_months=internet,
            answers=_answers(rng, questionnaire, share) if internet else [],
            use_cases=_use_cases(rng, questionnaire, level),
            equipment=["smartphone"] if rng.random() < 0.7 else [],
            performed_at=first_date,
        )
        if reassess:
            diagnostic_services.diagnostic_create(
                beneficiary=person,
                performed_by=staff,
                site=site,
                internet_last_3_months=True,
                answers=_answers(rng, questionnaire, share + 0.3),
                use_cases=_use_cases(rng, questionnaire, level + 1),
                equipment=["smartphone", "internet_home"],
                performed_at=first_date + datetime.timedelta(days=rng.randrange(30, 60)),
            )
    if (
        counter is not None
        and counter_site is not None
        and not counter.organisation.screenings.filter(beneficiary__isnull=True, performed_by=counter).exists()
    ):
        for _ in range(WALK_INS):
            diagnostic_services.screening_create(
                performed_by=counter,
                organisation=counter.organisation,
                site=counter_site,
                used_internet=rng.random() < 0.6,
                has_email=rng.random() < 0.5,
                struggles_online=rng.random() < 0.6,
                has_device=rng.random() < 0.8,
            )
    return created
