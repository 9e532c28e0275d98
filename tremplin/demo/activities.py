"""Demo activity records: eighteen months of a believable programme for the dashboards and « Mes activités ».

- a sample typed through the services, as a mediator would (accompaniments with and without a record, a workshop
  typed by hand), and the anonymous head count added to some of the demo sessions' records (activity_update);
- the volume (a few thousand records) written in bulk, with the very fields the services write (the place's
  commune, département and territory type, the theme bit mask, the participant rows' copies), by the demo mediators
  and a few extra mediators at other offices of the demo départements (accounts without a password: they exist
  for the statistics only). The pace grows over the months, weekdays only, people come back several times.

Idempotent: nothing is added once the demo mediator has records typed by hand.
"""

import datetime
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from tremplin.accounts.enums import Role
from tremplin.accounts.models import User
from tremplin.activities import services
from tremplin.activities.enums import (
    AdministrativeTheme,
    Autonomy,
    Equipment,
    Kind,
    PlaceType,
    StructureKind,
    Thematique,
)
from tremplin.activities.models import Activity, Participant, theme_bits
from tremplin.beneficiaries import services as beneficiary_services
from tremplin.beneficiaries.enums import Gender, SocialStatus
from tremplin.beneficiaries.models import Beneficiary
from tremplin.network.models import Site
from tremplin.taxonomy.coop import DURATION_PRESETS

MEDIATOR, AIDANT, PARTNER = "mediateur@demo.tremplin.fr", "aidant@demo.tremplin.fr", "partenaire@demo.tremplin.fr"
COORDINATOR = "coordination@demo.tremplin.fr"
EXTRA_MEDIATORS = 6
PEOPLE_PER_EXTRA_MEDIATOR = 60
DAYS = 548  # eighteen months
VOLUME = 3000
SAMPLE = 30
BATCH = 1000

# What mediators do most (weights), in the Coop's codes.
THEME_WEIGHTS = {
    Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES: 30,
    Thematique.PRENDRE_EN_MAIN_DU_MATERIEL: 18,
    Thematique.EMAIL: 15,
    Thematique.NAVIGATION_SUR_INTERNET: 12,
    Thematique.SECURITE_NUMERIQUE: 8,
    Thematique.BANQUE_ET_ACHATS_EN_LIGNE: 6,
    Thematique.SANTE: 6,
    Thematique.GERE_SES_CONTENUS_NUMERIQUES: 5,
    Thematique.INSERTION_PROFESSIONNELLE: 5,
    Thematique.RESEAUX_SOCIAUX: 3,
    Thematique.BUREAUTIQUE: 3,
    Thematique.PARENTALITE: 2,
    Thematique.SCOLARITE_ET_NUMERIQUE: 2,
    Thematique.CULTURE_NUMERIQUE: 2,
    Thematique.INTELLIGENCE_ARTIFICIELLE: 1,
}
ADMIN_WEIGHTS = {
    AdministrativeTheme.SOCIAL_SANTE: 25,
    AdministrativeTheme.ARGENT_IMPOTS: 20,
    AdministrativeTheme.PAPIERS_ELECTIONS_CITOYENNETE: 18,
    AdministrativeTheme.LOGEMENT: 14,
    AdministrativeTheme.TRAVAIL_FORMATION: 10,
    AdministrativeTheme.TRANSPORTS_MOBILITE: 7,
    AdministrativeTheme.FAMILLE_SCOLARITE: 6,
}
PROCEDURES = {
    AdministrativeTheme.SOCIAL_SANTE: ["Compte ameli", "Demande de complémentaire santé solidaire", "Dossier CAF"],
    AdministrativeTheme.ARGENT_IMPOTS: ["Déclaration de revenus", "Espace impots.gouv.fr", "Prélèvement à la source"],
    AdministrativeTheme.PAPIERS_ELECTIONS_CITOYENNETE: ["Pré-demande de carte d'identité", "Permis de conduire"],
    AdministrativeTheme.LOGEMENT: ["Demande d'APL", "Demande de logement social"],
    AdministrativeTheme.TRAVAIL_FORMATION: ["Inscription France Travail", "Compte personnel de formation"],
    AdministrativeTheme.TRANSPORTS_MOBILITE: ["Carte grise", "Abonnement de transport"],
    AdministrativeTheme.FAMILLE_SCOLARITE: ["Inscription à la cantine", "Bourse scolaire"],
}
PLACE_WEIGHTS = {PlaceType.ACTIVITY_PLACE: 72, PlaceType.REMOTE: 14, PlaceType.HOME: 9, PlaceType.OTHER: 5}
DURATION_WEIGHTS = dict(zip(DURATION_PRESETS, (8, 30, 22, 25, 10, 5), strict=True))
EXTRA_FIRST_NAMES = ["Inès", "Paul", "Claire", "Hugo", "Maëlle", "Samuel", "Agathe", "Nicolas"]
EXTRA_LAST_NAMES = ["Le Floch", "Bernard", "Kerjean", "Petit", "Ouali", "Garnier", "Hamon", "Lucas"]
PERSON_FIRST_NAMES = ["Lucienne", "André", "Rose", "Jacques", "Samia", "Ibrahim", "Colette", "René", "Léon"]
PERSON_LAST_NAMES = ["Le Roux", "Guégan", "Camara", "Fleury", "Bouvier", "Le Moal", "Mercier", "Nguyen", "Rivière"]


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _extra_mediators(rng: random.Random, la_poste, departements) -> list[User]:
    """A few more mediators at other offices of the demo départements (for the dashboards' spread)."""
    taken = set(Site.objects.filter(staff__email__in=(MEDIATOR, AIDANT)).values_list("pk", flat=True))
    offices = list(
        Site.objects.post_offices()
        .located()
        .filter(commune__departement__in=departements)
        .exclude(pk__in=taken)
        .order_by("-commune__population", "external_id")[:40]
    )
    mediators = []
    for index in range(min(EXTRA_MEDIATORS, len(offices) // 2)):
        sites = offices[index * 2 : index * 2 + 2]
        user, created = User.objects.get_or_create(
            email=f"mediateur-{index + 1}@demo.tremplin.fr",
            defaults={
                "first_name": EXTRA_FIRST_NAMES[index % len(EXTRA_FIRST_NAMES)],
                "last_name": EXTRA_LAST_NAMES[index % len(EXTRA_LAST_NAMES)],
                "role": Role.MEDIATOR,
                "organisation": la_poste,
                "password": make_password(None),  # no sign-in: an account for the statistics only
            },
        )
        if created:
            user.sites.set(sites)
        mediators.append(user)
    return mediators


def _people_for(rng: random.Random, user: User, count: int) -> list[Beneficiary]:
    people = list(Beneficiary.objects.active().filter(organisation=user.organisation, site__in=user.sites.all()))
    sites = list(user.sites.order_by("name"))
    for index in range(max(0, count - len(people))):
        site = sites[index % len(sites)]
        people.append(
            beneficiary_services.beneficiary_create(
                organisation=user.organisation,
                created_by=user,
                site=site,
                commune=site.commune,
                first_name=rng.choice(PERSON_FIRST_NAMES),
                last_name=f"{rng.choice(PERSON_LAST_NAMES)}-{user.pk}{index}",
                birth_year=rng.randrange(1935, 2005),
                gender=rng.choice((Gender.FEMALE, Gender.FEMALE, Gender.MALE)),
                social_status=rng.choice(SocialStatus.values),
                ignore_duplicates=True,
            )
        )
    return people


def _day(rng: random.Random, today: datetime.date) -> datetime.date:
    """A weekday of the last eighteen months, more often recent (the programme grows)."""
    while True:
        back = int(DAYS * (1 - rng.random() ** 0.7))
        day = today - datetime.timedelta(days=back)
        if day.weekday() < 5 or rng.random() < 0.05:
            return day


def _breakdown(rng: random.Random, count: int) -> dict:
    """What is known of `count` people without a record (often not everything)."""
    breakdown = {}
    for dimension, values in services.BREAKDOWN.items():
        if rng.random() < 0.4:
            continue
        known = rng.randint(0, count)
        counts: dict[str, int] = {}
        for _ in range(known):
            value = rng.choice(values)
            counts[value] = counts.get(value, 0) + 1
        if counts:
            breakdown[dimension] = counts
    return breakdown


def _content(rng: random.Random) -> dict:
    themes = [_pick(rng, THEME_WEIGHTS)]
    if rng.random() < 0.25:
        themes.append(_pick(rng, THEME_WEIGHTS))
    themes = list(dict.fromkeys(themes))
    admin_themes, procedure = [], ""
    if Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES in themes:
        admin = _pick(rng, ADMIN_WEIGHTS)
        admin_themes = [admin]
        procedure = rng.choice(PROCEDURES[admin]) if rng.random() < 0.6 else ""
    equipment = rng.choice(
        ([Equipment.PHONE], [Equipment.PHONE], [Equipment.COMPUTER], [Equipment.TABLET], [Equipment.NONE])
    )
    return {"themes": themes, "admin_themes": admin_themes, "procedure": procedure, "equipment": equipment}


def _sample(rng: random.Random, user: User, people: list[Beneficiary], today: datetime.date) -> int:
    """Records typed through the services, as on the form."""
    sites = list(user.sites.order_by("name"))
    if not sites:
        return 0
    created = 0
    for index in range(SAMPLE):
        person = rng.choice(people) if people and index % 4 else None
        referred = rng.random() < 0.1
        fields = {
            "date": today - datetime.timedelta(days=rng.randrange(0, 60)),
            "duration_minutes": _pick(rng, DURATION_WEIGHTS),
            "place_type": PlaceType.ACTIVITY_PLACE,
            "site": rng.choice(sites),
            "autonomy": rng.choice(Autonomy.values),
            "referred": referred,
            "structure_kind": rng.choice(StructureKind.values) if referred else "",
            **_content(rng),
        }
        if person is None:
            fields["anonymous_count"] = 1
            fields["anonymous_breakdown"] = _breakdown(rng, 1)
        services.activity_record(by=user, beneficiary=person, **fields)
        created += 1
    site = sites[0]
    services.activity_record(
        by=user,
        kind=Kind.COLLECTIVE,
        participants=people[:4],
        title="Café numérique : sécuriser son téléphone",
        level="debutant",
        date=today - datetime.timedelta(days=9),
        duration_minutes=120,
        place_type=PlaceType.ACTIVITY_PLACE,
        site=site,
        themes=[Thematique.SECURITE_NUMERIQUE],
        equipment=[Equipment.PHONE],
        anonymous_count=5,
        anonymous_breakdown={"genre": {"feminin": 3, "masculin": 2}, "tranche_age": {"soixante_dix_plus": 4}},
    )
    return created + 1


def _complete_sessions(rng: random.Random, users: list[User]) -> None:
    """The mediators add the people who came without a record to some of their sessions' records."""
    for activity in Activity.objects.filter(session__isnull=False, mediator__in=users).select_related("mediator"):
        if rng.random() < 0.5:
            count = rng.randint(1, 3)
            services.activity_update(
                activity=activity,
                by=activity.mediator,
                anonymous_count=count,
                anonymous_breakdown=_breakdown(rng, count),
                equipment=[Equipment.TABLET],
            )


def _located(user: User, site: Site, place_type: str) -> dict:
    """Site, commune, département and territory type of an activity, by the services' own rule (services._locate)."""
    probe = Activity(place_type=place_type, mediator=user)
    if place_type == PlaceType.ACTIVITY_PLACE:
        probe.site = site
    elif place_type in (PlaceType.HOME, PlaceType.OTHER):
        probe.commune_id = site.commune_id  # at home or elsewhere, in the office's commune
    services._locate(probe)  # noqa: SLF001 (the one rule of where an activity took place)
    return {
        "site": probe.site if place_type == PlaceType.ACTIVITY_PLACE else None,
        "commune_id": probe.commune_id,
        "departement_id": probe.departement_id,
        "territory_type": probe.territory_type,
    }


def _bulk(rng: random.Random, staff: list[tuple[User, list[Beneficiary]]], today: datetime.date, volume: int) -> int:
    """The volume, in batches: activities and their participant rows, with the fields the services write."""
    places: dict[tuple, dict] = {}

    def where(user, site, place_type) -> dict:
        key = (user.pk, site.pk, place_type)
        if key not in places:
            places[key] = _located(user, site, place_type)
        return places[key]

    by_user = [(user, [s for s in user.sites.all()], people) for user, people in staff]
    by_user = [(user, sites, people) for user, sites, people in by_user if sites]
    if not by_user:
        return 0
    weights = [3 if user.email in (MEDIATOR, AIDANT) else 2 for user, _, _ in by_user]
    created = 0
    while created < volume:
        batch = []
        for _ in range(min(BATCH, volume - created)):
            user, sites, people = rng.choices(by_user, weights=weights)[0]
            site = rng.choice(sites)
            day = _day(rng, today)
            collective = rng.random() < 0.06
            place_type = PlaceType.ACTIVITY_PLACE if collective else _pick(rng, PLACE_WEIGHTS)
            content = _content(rng)
            located = where(user, site, place_type)
            at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randint(9, 17), 0)))
            activity = Activity(
                kind=Kind.COLLECTIVE if collective else Kind.INDIVIDUAL,
                organisation_id=user.organisation_id,
                mediator=user,
                created_by=user,
                updated_by=user,
                created_at=at,
                updated_at=at,
                date=day,
                duration_minutes=120 if collective else _pick(rng, DURATION_WEIGHTS),
                place_type=place_type,
                **located,
                **content,
            )
            activity.theme_bits = theme_bits(activity.themes, activity.admin_themes)
            named = []
            if collective:
                activity.title = rng.choice(("Découvrir sa tablette", "Créer son adresse e-mail", "Démarches en ligne"))
                activity.level = "debutant"
                named = rng.sample(people, k=min(len(people), rng.randint(2, 6)))
                activity.anonymous_count = rng.randint(0, 4) if named else rng.randint(2, 6)
            elif people and rng.random() < 0.72:
                named = [rng.choice(people)]
                activity.autonomy = rng.choice(Autonomy.values)
            else:
                activity.anonymous_count = 1
            if not collective:
                activity.referred = rng.random() < 0.08
                activity.structure_kind = rng.choice(StructureKind.values) if activity.referred else ""
            if activity.anonymous_count:
                activity.anonymous_breakdown = _breakdown(rng, activity.anonymous_count)
            batch.append((activity, named))
        Activity.objects.bulk_create([activity for activity, _ in batch])
        if batch[0][0].pk is None:  # engines that do not return ids: read them back, in insertion order
            _fill_ids([activity for activity, _ in batch])
        Participant.objects.bulk_create(
            [
                Participant(
                    activity_id=activity.pk,
                    beneficiary_id=person.pk,
                    date=activity.date,
                    kind=activity.kind,
                    organisation_id=activity.organisation_id,
                    departement_id=activity.departement_id,
                    mediator_id=activity.mediator_id,
                )
                for activity, named in batch
                for person in named
            ],
            batch_size=BATCH,
        )
        created += len(batch)
    return created


def _fill_ids(activities: list[Activity]) -> None:
    pks = list(Activity.objects.order_by("-pk").values_list("pk", flat=True)[: len(activities)])
    for activity, pk in zip(activities, reversed(pks), strict=True):
        activity.pk = pk


@transaction.atomic
def seed(*, today: datetime.date | None = None, volume: int = VOLUME, seed_value: int = 2026) -> int:
    """Create the demo activity records; return how many were created (0 when already there)."""
    today = today or timezone.localdate()
    users = {u.email: u for u in User.objects.filter(email__in=(MEDIATOR, AIDANT, PARTNER, COORDINATOR))}
    mediator = users.get(MEDIATOR)
    if mediator is None or not mediator.sites.exists():
        return 0
    if Activity.objects.filter(mediator=mediator, kind=Kind.INDIVIDUAL, session__isnull=True).exists():
        return 0
    rng = random.Random(seed_value)
    departements = list(
        users[COORDINATOR].departements.all()
        if COORDINATOR in users
        else mediator.sites.values_list("commune__departement", flat=True)
    )
    extras = _extra_mediators(rng, mediator.organisation, departements)
    staff = []
    for user in [mediator, users.get(AIDANT), users.get(PARTNER), *extras]:
        if user is None or not user.sites.exists():
            continue
        wanted = PEOPLE_PER_EXTRA_MEDIATOR if user in extras else 0
        staff.append((user, _people_for(rng, user, wanted)))
    created = _sample(rng, mediator, staff[0][1], today)
    _complete_sessions(rng, [user for user, _ in staff])
    created += _bulk(rng, staff, today, max(0, volume - created))
    return created


def demo_activities_create() -> int:
    """setup_demo's entry point (same shape as the other demo modules)."""
    return seed()
