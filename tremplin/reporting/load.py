"""A synthetic national network, for the dashboards' benchmarks (`python manage.py generate_load`).

What it writes, deterministic for a given seed, end date and volumes (numpy's PCG64 seeded by (seed, part, chunk)):
- organisations: La Poste (about 60 % of mediators) and partner structures (associations, collectivités), all named
  « Charge — … » so that generated data is recognised (and real people are never mixed with it, see `real_people`);
- sites on real communes when the territory is loaded (drawn by population), else on generated communes of the 96
  metropolitan départements; territory type from the commune (a QPV, INSEE density levels 5-7 rural, else urban);
- mediators (1 or 2 sites each, activity volumes lognormal), one coordinator per département with a team of that
  département's mediators (some left it), one national manager `pilote@charge.tremplin.test`;
- people, each followed by one mediator's organisation and site, with birth years (Coop age bands), genders and
  statuses drawn from plausible shares;
- activities over the `years` before `end`, growing over time, on weekdays mostly: kinds (individual 55 %,
  collective 12 %, diagnostic 10 %, démarche under mandate 5 %, screening 12 %, referral 6 %), 1-3 Coop themes,
  durations from the presets, channels, equipment, autonomy, referrals; 15 % of individual accompaniments are
  anonymous (with a breakdown half of the time), workshops have 2-8 named people and some anonymous ones; people
  come back (a skewed draw in their mediator's pool), 5 % are seen by a colleague of the same organisation.

PostgreSQL: COPY (psycopg `cursor.copy`), foreign-key triggers off for the session when allowed (the rows are
consistent by construction), secondary indexes of the big tables dropped during the load and rebuilt after.
SQLite: bulk_create. Then the sequences are moved past the ids written, ANALYZE, and the statistics aggregates
(tremplin.reporting.aggregates) rebuilt.
"""

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Max

from tremplin.accounts.enums import Role
from tremplin.accounts.models import User
from tremplin.activities.enums import (
    AdministrativeTheme,
    Autonomy,
    Equipment,
    Kind,
    PlaceType,
    StructureKind,
    TerritoryType,
    Thematique,
    WorkshopLevel,
)
from tremplin.activities.models import THEME_BITS, Activity, Participant
from tremplin.beneficiaries.enums import Gender, SocialStatus
from tremplin.beneficiaries.models import Beneficiary, age_band, name_key
from tremplin.network.enums import OrganisationKind, SiteKind, SiteSource
from tremplin.network.models import Organisation, Site
from tremplin.territories.enums import RURAL_LEVELS
from tremplin.territories.models import Commune, Departement, Region

from . import aggregates
from .models import Team, TeamMember

PREFIX = "Charge — "
EMAIL_DOMAIN = "charge.tremplin.test"
CHUNK = 100_000

KINDS = [Kind.INDIVIDUAL, Kind.COLLECTIVE, Kind.DIAGNOSTIC, Kind.MANDATE_USE, Kind.SCREENING, Kind.REFERRAL]
KIND_SHARES = [0.55, 0.12, 0.10, 0.05, 0.12, 0.06]
THEMES = list(Thematique.values)
THEME_WEIGHTS = np.array([6, 8, 2, 5, 8, 12, 5, 4, 6, 7, 1, 5, 6, 2, 2, 2, 3, 2, 20], dtype=float)
ADMIN_THEMES = list(AdministrativeTheme.values)
PLACE_TYPES = [PlaceType.ACTIVITY_PLACE, PlaceType.HOME, PlaceType.REMOTE, PlaceType.OTHER]
PLACE_SHARES = [0.75, 0.08, 0.12, 0.05]
DURATIONS = [15, 30, 45, 60, 90, 120]
DURATION_SHARES = [0.15, 0.35, 0.2, 0.2, 0.05, 0.05]
EQUIPMENT = [Equipment.COMPUTER, Equipment.PHONE, Equipment.TABLET, Equipment.NONE]
AUTONOMY = [""] + list(Autonomy.values)
STRUCTURES = list(StructureKind.values)
LEVELS = list(WorkshopLevel.values)
WORKSHOPS = [
    "Créer son adresse e-mail",
    "Prendre en main son smartphone",
    "Faire ses démarches en ligne",
    "Se protéger des arnaques",
    "Découvrir l'intelligence artificielle",
    "Banque en ligne",
]
GENDERS, GENDER_SHARES = [Gender.FEMALE, Gender.MALE, Gender.UNDISCLOSED], [0.55, 0.38, 0.07]
STATUSES = [SocialStatus.RETIRED, SocialStatus.UNEMPLOYED, SocialStatus.EMPLOYED, SocialStatus.IN_EDUCATION]
STATUS_SHARES = [0.42, 0.25, 0.15, 0.05]  # the rest (13 %) is « non communiqué »
_AGE_CODES = [
    "soixante_dix_plus",
    "soixante_soixante_neuf",
    "quarante_cinquante_neuf",
    "vingt_cinq_trente_neuf",
    "dix_huit_vingt_quatre",
    "douze_dix_huit",
    "moins_de_douze",
]
METRO = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]


@dataclass
class Volumes:
    mediators: int
    beneficiaries: int
    activities: int
    seed: int = 1
    end: datetime.date | None = None
    years: int = 3


@dataclass
class Result:
    organisations: int = 0
    sites: int = 0
    mediators: int = 0
    beneficiaries: int = 0
    activities: int = 0
    participants: int = 0
    communes_generated: bool = False


def real_people() -> int:
    """How many people records do not come from a generated load."""
    return Beneficiary.objects.exclude(organisation__name__startswith=PREFIX).count()


def _rng(seed: int, *parts: int) -> np.random.Generator:
    return np.random.default_rng([seed, *parts])


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


# --- writing rows -----------------------------------------------------------------------------------------------


class Writer:
    """Rows (tuples in the model's concrete-field order, JSON fields as JSON text) into one table."""

    def __init__(self, model):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.json_positions = [i for i, f in enumerate(self.fields) if f.get_internal_type() == "JSONField"]
        self.postgres = connection.vendor == "postgresql"

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.postgres:
            columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
            table = connection.ops.quote_name(self.model._meta.db_table)
            with (
                connection.cursor() as cursor,
                cursor.connection.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        attnames = [f.attname for f in self.fields]
        objects = []
        for row in rows:
            values = list(row)
            for i in self.json_positions:
                values[i] = json.loads(values[i])
            objects.append(self.model(**dict(zip(attnames, values, strict=True))))
        self.model.objects.bulk_create(objects, batch_size=2000)


def _defaults(model, **values) -> tuple[list, dict[str, int]]:
    """The model's row with its defaults, and each attname's position."""
    row, positions = [], {}
    for i, f in enumerate(model._meta.concrete_fields):
        positions[f.attname] = i
        if f.attname in values:
            default = values[f.attname]
        elif f.has_default():
            default = f.get_default()
        elif f.null:
            default = None
        else:
            default = ""
        if f.get_internal_type() == "JSONField" and not isinstance(default, str):
            default = json.dumps(default)
        row.append(default)
    return row, positions


class _Indexes:
    """PostgreSQL: drop the secondary indexes of the big tables during the load, rebuild them after."""

    def __init__(self, models):
        self.tables = [m._meta.db_table for m in models]
        self.saved: list[tuple[str, str]] = []

    def drop(self):
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT i.indexname, i.indexdef FROM pg_indexes i
                   WHERE i.tablename = ANY(%s) AND i.schemaname = current_schema()
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
                [self.tables],
            )
            self.saved = cursor.fetchall()
            for name, _ in self.saved:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")

    def rebuild(self, progress: Callable[[str], None] = lambda _: None):
        if not self.saved:
            return
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for name, definition in self.saved:
                progress(name)
                cursor.execute(definition)
        self.saved = []


def _triggers_off() -> bool:
    """PostgreSQL: no foreign-key trigger for this session's writes (superuser only; the rows are consistent)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            return False
        cursor.execute("SET session_replication_role = replica")
    return True


def _triggers_on():
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")


def _reset_sequences(models) -> None:
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


# --- territory and network --------------------------------------------------------------------------------------


@dataclass
class Territory:
    codes: np.ndarray  # commune INSEE codes
    departements: np.ndarray  # their départements
    weights: np.ndarray  # population shares
    kinds: np.ndarray  # TerritoryType of each commune


def _territory(rng) -> tuple[Territory, bool]:
    rows = list(
        Commune.objects.filter(population__gt=0)
        .order_by("code_insee")
        .values_list("code_insee", "departement_id", "population", "density_level")
    )
    generated = not rows
    if generated:
        region, _ = Region.objects.get_or_create(code="00", defaults={"name": f"{PREFIX}région"})
        existing = set(Departement.objects.values_list("code", flat=True))
        Departement.objects.bulk_create(
            [Departement(code=c, name=f"Département {c}", region=region) for c in METRO if c not in existing]
        )
        communes = []
        for code in METRO:
            for n in range(40):
                population = int(rng.lognormal(6.5, 1.6)) + 50
                density = int(rng.choice([1, 2, 3, 4, 5, 6, 7], p=[0.02, 0.05, 0.08, 0.15, 0.2, 0.3, 0.2]))
                communes.append(
                    Commune(
                        code_insee=f"{code}{n + 1:03d}"[:5],
                        name=f"Commune {code}-{n + 1}",
                        search_name=f"commune {code} {n + 1}",
                        departement_id=code,
                        population=population,
                        density_level=density,
                        latitude=46.0,
                        longitude=2.0,
                    )
                )
        Commune.objects.bulk_create(communes, ignore_conflicts=True)
        rows = [(c.code_insee, c.departement_id, c.population, c.density_level) for c in communes]
        qpv = {c.code_insee for c in communes if c.density_level <= 2 and c.population > 2000}
    else:
        qpv = set(Commune.objects.filter(qpvs__isnull=False).values_list("code_insee", flat=True))
    codes = np.array([r[0] for r in rows])
    populations = np.array([r[2] for r in rows], dtype=float)
    kinds = np.array(
        [
            TerritoryType.QPV if r[0] in qpv else TerritoryType.RURAL if r[3] in RURAL_LEVELS else TerritoryType.URBAN
            for r in rows
        ]
    )
    return Territory(codes, np.array([r[1] for r in rows]), populations / populations.sum(), kinds), generated


def _network(volumes: Volumes, rng, territory: Territory):
    """Organisations, sites, mediators (with their sites), coordinators and their teams, a national manager."""
    n_partners = max(1, volumes.mediators // 40)
    organisations = [Organisation(name=f"{PREFIX}La Poste", kind=OrganisationKind.LA_POSTE)] + [
        Organisation(
            name=f"{PREFIX}{'Association' if i % 3 else 'Collectivité'} {volumes.seed}-{i + 1}",
            kind=OrganisationKind.ASSOCIATION if i % 3 else OrganisationKind.LOCAL_AUTHORITY,
        )
        for i in range(n_partners)
    ]
    for organisation in organisations:
        found = Organisation.objects.filter(name=organisation.name).first()
        if found:
            organisation.pk = found.pk
        else:
            organisation.save()
    n_sites = max(1, int(volumes.mediators * 1.2))
    site_communes = rng.choice(len(territory.codes), size=n_sites, p=territory.weights)
    site_orgs = np.where(rng.random(n_sites) < 0.6, 0, rng.integers(1, len(organisations), n_sites))
    sites = Site.objects.bulk_create(
        [
            Site(
                source=SiteSource.MANUAL,
                external_id=f"charge-{volumes.seed}-{i + 1}",
                name=f"{PREFIX}lieu {i + 1}",
                kind=SiteKind.POST_OFFICE if site_orgs[i] == 0 else SiteKind.PARTNER_PLACE,
                organisation_id=organisations[site_orgs[i]].pk,
                commune_id=str(territory.codes[site_communes[i]]),
            )
            for i in range(n_sites)
        ],
        batch_size=2000,
    )
    site_ids = np.array([s.pk for s in sites])
    # Each mediator works at a site of their organisation (primary) and sometimes a second one.
    by_org: dict[int, list[int]] = {}
    for index, org in enumerate(site_orgs):
        by_org.setdefault(int(org), []).append(index)
    primary = rng.integers(0, n_sites, volumes.mediators)
    mediator_orgs = site_orgs[primary]
    second = np.array(
        [
            by_org[int(org)][int(rng.integers(0, len(by_org[int(org)])))] if rng.random() < 0.3 else p
            for p, org in zip(primary, mediator_orgs, strict=True)
        ]
    )
    password = make_password(None)
    mediators = User.objects.bulk_create(
        [
            User(
                email=f"mediateur-{volumes.seed}-{i + 1}@{EMAIL_DOMAIN}",
                first_name="Médiateur",
                last_name=f"{volumes.seed}-{i + 1}",
                role=Role.MEDIATOR,
                organisation_id=organisations[mediator_orgs[i]].pk,
                password=password,
            )
            for i in range(volumes.mediators)
        ],
        batch_size=2000,
    )
    mediator_ids = np.array([m.pk for m in mediators])
    Through = User.sites.through
    Through.objects.bulk_create(
        [
            Through(user_id=int(mediator_ids[i]), site_id=int(site_ids[s]))
            for i in range(volumes.mediators)
            for s in {int(primary[i]), int(second[i])}
        ],
        batch_size=5000,
    )
    national = User.objects.create(
        email=f"pilote-{volumes.seed}@{EMAIL_DOMAIN}", role=Role.NATIONAL_MANAGER, password=password
    )
    # A coordinator per département with sites, and their team: that département's mediators (a fifth left it).
    mediator_departements = territory.departements[site_communes[primary]]
    start = (volumes.end or datetime.date.today()) - datetime.timedelta(days=365 * volumes.years)
    teams, members = [], []
    Coordinated = User.departements.through
    for code in sorted(set(mediator_departements.tolist())):
        coordinator = User.objects.create(
            email=f"coordinateur-{volumes.seed}-{code}@{EMAIL_DOMAIN}",
            role=Role.COORDINATOR,
            organisation_id=organisations[0].pk,
            password=password,
        )
        Coordinated.objects.create(user_id=coordinator.pk, departement_id=code)
        team = Team.objects.create(
            name=f"{PREFIX}équipe {code}", coordinator=coordinator, organisation=organisations[0]
        )
        teams.append(team)
        for i in np.nonzero(mediator_departements == code)[0]:
            joined = start + datetime.timedelta(days=int(rng.integers(0, 200)))
            left = joined + datetime.timedelta(days=int(rng.integers(200, 900))) if rng.random() < 0.2 else None
            members.append(TeamMember(team=team, mediator_id=int(mediator_ids[i]), joined_on=joined, left_on=left))
    TeamMember.objects.bulk_create(members, batch_size=5000)
    site_departements = territory.departements[site_communes]
    site_kinds = territory.kinds[site_communes]
    site_commune_codes = territory.codes[site_communes]
    return dict(
        organisation_ids=np.array([o.pk for o in organisations]),
        site_ids=site_ids,
        site_departements=site_departements,
        site_kinds=site_kinds,
        site_communes=site_commune_codes,
        mediator_ids=mediator_ids,
        mediator_orgs=mediator_orgs,
        primary=primary,
        second=second,
        national=national,
        teams=len(teams),
    )


# --- people -----------------------------------------------------------------------------------------------------


def _pools(volumes: Volumes, rng, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each mediator's pool of people: [offset, offset + size) in the people's order, sized by their activity."""
    sizes = np.maximum(1, np.floor(weights / weights.sum() * volumes.beneficiaries)).astype(np.int64)
    while sizes.sum() > volumes.beneficiaries:
        sizes[np.argmax(sizes)] -= 1
    sizes[np.argmax(sizes)] += volumes.beneficiaries - sizes.sum()
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    return offsets, sizes


def _people(volumes, network, offsets, sizes, first_id, start, progress) -> None:
    writer = Writer(Beneficiary)
    base, pos = _defaults(Beneficiary, created_at=datetime.datetime.combine(start, datetime.time(9), datetime.UTC))
    owner = np.repeat(np.arange(volumes.mediators), sizes)
    today = volumes.end or datetime.date.today()
    bands = {year: age_band(year, today=today) for year in range(1920, today.year - 10)}
    primary = network["primary"].tolist()
    site_communes = [str(c) for c in network["site_communes"]]
    site_ids = network["site_ids"].tolist()
    mediator_org_ids = network["organisation_ids"][network["mediator_orgs"]].tolist()
    for chunk, begin in enumerate(range(0, volumes.beneficiaries, CHUNK)):
        rng = _rng(volumes.seed, 2, chunk)
        n = min(CHUNK, volumes.beneficiaries - begin)
        mediators = owner[begin : begin + n]
        years = np.clip(rng.normal(1962, 18, n).astype(int), 1925, today.year - 12)
        unknown_age = rng.random(n) < 0.1
        genders = rng.choice(len(GENDERS), n, p=GENDER_SHARES)
        statuses = rng.choice(len(STATUSES) + 1, n, p=[*STATUS_SHARES, 1 - sum(STATUS_SHARES)])
        mediators, years, unknown_age = mediators.tolist(), years.tolist(), unknown_age.tolist()
        genders, statuses = genders.tolist(), statuses.tolist()
        rows = []
        for i in range(n):
            number = begin + i + 1
            row = list(base)
            m = mediators[i]
            site = primary[m]
            row[pos["id"]] = first_id + begin + i
            row[pos["first_name"]] = "Personne"
            row[pos["last_name"]] = f"Charge{volumes.seed}-{number}"
            row[pos["name_key"]] = name_key("Personne", f"Charge{volumes.seed}-{number}")
            year = None if unknown_age[i] else years[i]
            row[pos["birth_year"]] = year
            row[pos["age_band"]] = bands.get(year, age_band(year, today=today))
            row[pos["commune_id"]] = site_communes[site]
            row[pos["gender"]] = GENDERS[genders[i]]
            row[pos["social_status"]] = STATUSES[statuses[i]] if statuses[i] < len(STATUSES) else "non_communique"
            row[pos["organisation_id"]] = mediator_org_ids[m]
            row[pos["site_id"]] = site_ids[site]
            row[pos["updated_at"]] = row[pos["created_at"]]
            rows.append(tuple(row))
        with transaction.atomic():
            writer.write(rows)
        progress(n)


# --- activities -------------------------------------------------------------------------------------------------


def _theme_cache():
    cache: dict[tuple, tuple[str, str, int]] = {}

    def lookup(themes: tuple, admin: tuple):
        key = (themes, admin)
        if key not in cache:
            bits = 0
            for code in (*themes, *admin):
                bits |= THEME_BITS[code]
            cache[key] = (json.dumps(list(themes)), json.dumps(list(admin)), bits)
        return cache[key]

    return lookup


def _activities(volumes, network, offsets, sizes, weights, first_ids, start, progress):
    first_person, first_activity, first_participant = first_ids
    activity_writer, participant_writer = Writer(Activity), Writer(Participant)
    base, pos = _defaults(Activity)
    days = (volumes.end or datetime.date.today()) - start
    n_days = days.days
    dates = [start + datetime.timedelta(days=d) for d in range(n_days + 1)]
    stamps = [datetime.datetime.combine(d, datetime.time(17), datetime.UTC) for d in dates]
    mediator_p = weights / weights.sum()
    theme_p = THEME_WEIGHTS / THEME_WEIGHTS.sum()
    themes_of = _theme_cache()
    equipment_json = {e: json.dumps([e]) for e in EQUIPMENT}
    orgs = network["mediator_orgs"]
    admin_index = THEMES.index(Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES)
    participants_written = 0
    mediator_org_ids = network["organisation_ids"][orgs].tolist()
    mediator_ids = network["mediator_ids"].tolist()
    site_ids = network["site_ids"].tolist()
    site_communes = [str(c) for c in network["site_communes"]]
    site_departements = [str(c) for c in network["site_departements"]]
    site_kinds = [str(c) for c in network["site_kinds"]]
    offsets, sizes, orgs = offsets.tolist(), sizes.tolist(), orgs.tolist()
    weekdays = np.array([d.weekday() for d in dates])
    for chunk, begin in enumerate(range(0, volumes.activities, CHUNK)):
        rng = _rng(volumes.seed, 3, chunk)
        n = min(CHUNK, volumes.activities - begin)
        mediator = rng.choice(volumes.mediators, n, p=mediator_p)
        kind = rng.choice(len(KINDS), n, p=KIND_SHARES)
        # Growth over the period (density rising linearly), weekends moved to the Friday before.
        day = np.minimum((np.sqrt(rng.random(n)) * (n_days + 1)).astype(int), n_days)
        weekday = weekdays[day]
        day = np.where(weekday >= 5, np.maximum(day - (weekday - 4), 0), day)
        site = np.where(rng.random(n) < 0.2, network["second"][mediator], network["primary"][mediator])
        place = rng.choice(len(PLACE_TYPES), n, p=PLACE_SHARES)
        duration = np.array(DURATIONS)[rng.choice(len(DURATIONS), n, p=DURATION_SHARES)]
        n_themes = rng.choice([1, 2, 3], n, p=[0.55, 0.3, 0.15])
        theme_draws = np.stack([rng.choice(len(THEMES), n, p=theme_p) for _ in range(3)], axis=1)
        admin_draw = rng.integers(0, len(ADMIN_THEMES), n)
        equipment = rng.choice(len(EQUIPMENT), n, p=[0.35, 0.4, 0.1, 0.15])
        autonomy = rng.integers(0, len(AUTONOMY), n)
        referred = rng.random(n) < 0.08
        structure = rng.integers(0, len(STRUCTURES), n)
        anonymous = rng.random(n) < 0.15
        breakdown_known = rng.random(n) < 0.5
        extra_anonymous = np.where(rng.random(n) < 0.4, rng.integers(1, 6, n), 0)
        n_named = rng.integers(2, 9, n)
        colleague = rng.random(n) < 0.05
        skew = rng.random((n, 8)) ** 2.5
        genders = rng.choice(2, n)
        ages = rng.integers(0, 7, n)
        # Plain lists: indexing numpy arrays one element at a time is what made the loop slow.
        mediator, kind, day, site, place = mediator.tolist(), kind.tolist(), day.tolist(), site.tolist(), place.tolist()
        duration, n_themes, theme_draws = duration.tolist(), n_themes.tolist(), theme_draws.tolist()
        admin_draw, equipment, autonomy = admin_draw.tolist(), equipment.tolist(), autonomy.tolist()
        referred, structure, anonymous = referred.tolist(), structure.tolist(), anonymous.tolist()
        breakdown_known, extra_anonymous, n_named = breakdown_known.tolist(), extra_anonymous.tolist(), n_named.tolist()
        colleague, skew, genders, ages = colleague.tolist(), skew.tolist(), genders.tolist(), ages.tolist()
        activity_rows, participant_rows = [], []
        for i in range(n):
            activity_id = first_activity + begin + i
            m = mediator[i]
            k = KINDS[kind[i]]
            s = site[i]
            row = list(base)
            row[pos["id"]] = activity_id
            row[pos["kind"]] = k
            row[pos["organisation_id"]] = mediator_org_ids[m]
            row[pos["mediator_id"]] = mediator_ids[m]
            row[pos["date"]] = dates[day[i]]
            drawn = theme_draws[i][: n_themes[i]]
            picked = tuple(dict.fromkeys(THEMES[t] for t in drawn))
            admin = (ADMIN_THEMES[admin_draw[i]],) if admin_index in drawn else ()
            themes_json, admin_json, bits = themes_of(picked, admin)
            row[pos["themes"]], row[pos["admin_themes"]], row[pos["theme_bits"]] = themes_json, admin_json, bits
            place_type = PLACE_TYPES[place[i]] if k in (Kind.INDIVIDUAL, Kind.COLLECTIVE) else PlaceType.ACTIVITY_PLACE
            row[pos["place_type"]] = place_type
            row[pos["site_id"]] = site_ids[s] if place_type == PlaceType.ACTIVITY_PLACE else None
            row[pos["commune_id"]] = site_communes[s]
            row[pos["departement_id"]] = site_departements[s]
            row[pos["territory_type"]] = site_kinds[s]
            row[pos["equipment"]] = equipment_json[EQUIPMENT[equipment[i]]]
            row[pos["created_at"]] = row[pos["updated_at"]] = stamps[day[i]]
            count = 0
            if k == Kind.INDIVIDUAL:
                row[pos["duration_minutes"]] = duration[i]
                row[pos["autonomy"]] = AUTONOMY[autonomy[i]]
                if referred[i]:
                    row[pos["referred"]], row[pos["structure_kind"]] = True, STRUCTURES[structure[i]]
                named = 0 if anonymous[i] else 1
                if anonymous[i]:
                    count = 1
                    if breakdown_known[i]:
                        breakdown = {"genre": {GENDERS[genders[i]]: 1}, "tranche_age": {_AGE_CODES[ages[i]]: 1}}
                        row[pos["anonymous_breakdown"]] = json.dumps(breakdown)
            elif k == Kind.COLLECTIVE:
                row[pos["duration_minutes"]] = 120 if duration[i] >= 60 else 90
                row[pos["title"]] = WORKSHOPS[theme_draws[i][0] % len(WORKSHOPS)]
                row[pos["level"]] = LEVELS[autonomy[i] % len(LEVELS)]
                named = n_named[i]
                count = extra_anonymous[i]
                if count and breakdown_known[i]:
                    women = count // 2 + (count % 2) * genders[i]
                    row[pos["anonymous_breakdown"]] = json.dumps(
                        {"genre": {k2: v for k2, v in (("feminin", women), ("masculin", count - women)) if v}}
                    )
            else:
                row[pos["duration_minutes"]] = duration[i] if k != Kind.SCREENING else 15
                named = 1
            row[pos["anonymous_count"]] = count
            activity_rows.append(tuple(row))
            if named:
                pool = m
                if colleague[i] and m + 1 < volumes.mediators and orgs[m + 1] == orgs[m]:
                    pool = m + 1
                people = {offsets[pool] + int(skew[i][j] * sizes[pool]) for j in range(named)}
                for person in sorted(people):
                    participant_rows.append(
                        (
                            first_participant + participants_written + len(participant_rows),
                            activity_id,
                            first_person + person,
                            row[pos["date"]],
                            k,
                            row[pos["organisation_id"]],
                            row[pos["departement_id"]],
                            row[pos["mediator_id"]],
                        )
                    )
        with transaction.atomic():
            activity_writer.write(activity_rows)
            participant_writer.write(participant_rows)
        participants_written += len(participant_rows)
        progress(n)
    return participants_written


def generate(volumes: Volumes, *, step: Callable[[str, int], Callable[[int], None]] | None = None) -> Result:
    """Fill the database. `step(label, total)` returns the progress callback of one stage (advance by n)."""
    step = step or (lambda label, total: lambda n: None)
    result = Result()
    end = volumes.end or datetime.date.today()
    start = end - datetime.timedelta(days=365 * volumes.years)
    rng = _rng(volumes.seed, 1)
    territory, result.communes_generated = _territory(rng)
    network = _network(volumes, rng, territory)
    result.organisations = len(network["organisation_ids"])
    result.sites = len(network["site_ids"])
    result.mediators = volumes.mediators
    weights = rng.lognormal(0, 0.6, volumes.mediators)
    offsets, sizes = _pools(volumes, rng, weights)
    indexes = _Indexes([Beneficiary, Activity, Participant])
    triggers = _triggers_off()
    try:
        big = volumes.activities >= 200_000
        if big:
            indexes.drop()
        first_person = _next_id(Beneficiary)
        _people(volumes, network, offsets, sizes, first_person, start, step("Personnes", volumes.beneficiaries))
        result.beneficiaries = volumes.beneficiaries
        result.participants = _activities(
            volumes,
            network,
            offsets,
            sizes,
            weights,
            (first_person, _next_id(Activity), _next_id(Participant)),
            start,
            step("Activités et participants", volumes.activities),
        )
        result.activities = volumes.activities
    finally:
        if triggers:
            _triggers_on()
        rebuild = step("Index", len(indexes.saved))
        indexes.rebuild(lambda name: rebuild(1))
    _reset_sequences([Beneficiary, Activity, Participant])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        built = step("Agrégats des statistiques", 2)
        aggregates.rebuild(lambda label: built(1))
    return result
