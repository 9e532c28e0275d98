"""A few real objects of several apps (network, accounts, beneficiaries, workshops, activities, mandates and its
journal), written by tests/ops/test_backup.py before a backup, in the test process (PostgreSQL) or in a
`manage.py shell` of its own (SQLite), and the values it reads back after the restore."""

from tests.activities.factories import ActivityFactory
from tests.beneficiaries.factories import BeneficiaryFactory, ConsentFactory
from tests.factories import OrganisationFactory, SiteFactory, UserFactory
from tests.mandates.factories import MandateFactory
from tests.workshops.factories import RegistrationFactory, SessionFactory
from tremplin.accounts.enums import Role
from tremplin.mandates import journal
from tremplin.mandates.enums import JournalAction

# (table, column, ordering): values compared one by one between the database and its restored copy.
VALUES = [
    ("network_site", "name", "id"),
    ("accounts_user", "password", "id"),
    ("beneficiaries_beneficiary", "last_name", "id"),
    ("beneficiaries_consent", "text_version", "id"),
    ("workshops_session", "capacity", "id"),
    ("workshops_registration", "status", "id"),
    ("activities_activity", "duration_minutes", "id"),
    ("activities_participant", "beneficiary_id", "id"),
    ("mandates_mandate", "verification_code", "id"),
    ("mandates_journalentry", "hash", "position"),
]


def write_sample() -> None:
    la_poste = OrganisationFactory(la_poste=True)
    site = SiteFactory(organisation=la_poste, name="BUREAU DE SAUVEGARDE")
    mediator = UserFactory(role=Role.MEDIATOR, organisation=la_poste, sites=[site], last_name="Sauvegarde")
    people = [BeneficiaryFactory(organisation=la_poste, site=site, with_contacts=True) for _ in range(3)]
    for person in people:
        ConsentFactory(beneficiary=person)
    session = SessionFactory(site=site, mediator=mediator, capacity=7)
    RegistrationFactory(session=session, beneficiary=people[0])
    RegistrationFactory(session=session, beneficiary=people[1], waitlisted=True)
    ActivityFactory(organisation=la_poste, site=site, mediator=mediator, people=people[:2], duration_minutes=45)
    ActivityFactory(organisation=la_poste, site=site, mediator=mediator, anonymous=True, duration_minutes=20)
    mandate = MandateFactory(beneficiary=people[2], organisation=la_poste)
    journal.append(action=JournalAction.CONSENT_SIGNED, actor=mediator, mandate=mandate, details={"essai": 1})
    journal.append(action=JournalAction.MANDATE_USED, actor=mediator, mandate=mandate, details={"essai": 2})


def read_values(cursor) -> dict[str, list]:
    """The VALUES columns through a DB-API cursor (Django's, psycopg's or sqlite3's)."""
    values = {}
    for table, column, order in VALUES:
        cursor.execute(f'SELECT "{column}" FROM "{table}" ORDER BY "{order}"')  # noqa: S608 (constants above)
        values[f"{table}.{column}"] = [row[0] for row in cursor.fetchall()]
    return values
