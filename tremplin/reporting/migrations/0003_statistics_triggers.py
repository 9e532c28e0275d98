"""Triggers that queue what changes the statistics aggregates (tremplin.reporting.aggregates), PostgreSQL only.

Whatever writes (services, `QuerySet.update()` of a merge, cascades, the admin, raw SQL), the database itself
records, in the same transaction:
- the people whose participant rows were inserted, deleted or updated (`reporting_pendingperson`), and those whose
  age band, gender or social status changed;
- an activity's counted fields before (sign −1) and after (sign +1) each insert, delete or counted change
  (`reporting_pendingactivity`).
Statement-level triggers with transition tables: one INSERT … SELECT per statement, not per row.

On SQLite the statistics are counted by plain queries (small volumes); nothing is installed there. A bulk load may
switch them off for its session (`SET session_replication_role = replica`) and then rebuild the aggregates
(tremplin.reporting.load does).
"""

from django.db import migrations
from django.utils import timezone

COUNTED = (
    "date, kind, organisation_id, departement_id, site_id, place_type, duration_minutes, territory_type, theme_bits, "
    "anonymous_count, anonymous_breakdown"
)


def functions(counted: str) -> list[str]:
    """The trigger functions, copying the `counted` columns of an activity (reporting/0004 adds the mediator)."""
    pending_activity = f"reporting_pendingactivity (sign, {counted})"

    def prefixed(prefix):
        return ", ".join(f"{prefix}.{column.strip()}" for column in counted.split(","))

    return [
        """
        CREATE OR REPLACE FUNCTION reporting_participants_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO reporting_pendingperson (beneficiary_id) SELECT DISTINCT beneficiary_id FROM new_rows;
            RETURN NULL;
        END $$
        """,  # noqa: S608 (constants only)
        """
        CREATE OR REPLACE FUNCTION reporting_participants_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO reporting_pendingperson (beneficiary_id) SELECT DISTINCT beneficiary_id FROM old_rows;
            RETURN NULL;
        END $$
        """,  # noqa: S608 (constants only)
        """
        CREATE OR REPLACE FUNCTION reporting_participants_updated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO reporting_pendingperson (beneficiary_id)
                SELECT beneficiary_id FROM old_rows UNION SELECT beneficiary_id FROM new_rows;
            RETURN NULL;
        END $$
        """,  # noqa: S608 (constants only)
        """
        CREATE OR REPLACE FUNCTION reporting_person_updated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO reporting_pendingperson (beneficiary_id) VALUES (NEW.id);
            RETURN NULL;
        END $$
        """,  # noqa: S608 (constants only)
        f"""
        CREATE OR REPLACE FUNCTION reporting_activities_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {pending_activity} SELECT 1, {counted} FROM new_rows;
            RETURN NULL;
        END $$
        """,  # noqa: S608 (constants only)
        f"""
        CREATE OR REPLACE FUNCTION reporting_activities_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {pending_activity} SELECT -1, {counted} FROM old_rows;
            RETURN NULL;
        END $$
        """,  # noqa: S608 (constants only)
        f"""
        CREATE OR REPLACE FUNCTION reporting_activities_updated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {pending_activity}
                SELECT -1, {prefixed("o")} FROM old_rows o JOIN new_rows n ON n.id = o.id
                WHERE ({prefixed("o")}) IS DISTINCT FROM ({prefixed("n")});
            INSERT INTO {pending_activity}
                SELECT 1, {prefixed("n")} FROM old_rows o JOIN new_rows n ON n.id = o.id
                WHERE ({prefixed("o")}) IS DISTINCT FROM ({prefixed("n")});
            RETURN NULL;
        END $$
        """,  # noqa: S608 (constants only)
    ]


INSTALL = functions(COUNTED) + [
    """CREATE TRIGGER reporting_participants_inserted AFTER INSERT ON activities_participant
       REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_participants_inserted()""",
    """CREATE TRIGGER reporting_participants_deleted AFTER DELETE ON activities_participant
       REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_participants_deleted()""",
    """CREATE TRIGGER reporting_participants_updated AFTER UPDATE ON activities_participant
       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION reporting_participants_updated()""",
    """CREATE TRIGGER reporting_person_updated AFTER UPDATE ON beneficiaries_beneficiary FOR EACH ROW
       WHEN (OLD.age_band IS DISTINCT FROM NEW.age_band OR OLD.gender IS DISTINCT FROM NEW.gender
             OR OLD.social_status IS DISTINCT FROM NEW.social_status)
       EXECUTE FUNCTION reporting_person_updated()""",
    """CREATE TRIGGER reporting_activities_inserted AFTER INSERT ON activities_activity
       REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_activities_inserted()""",
    """CREATE TRIGGER reporting_activities_deleted AFTER DELETE ON activities_activity
       REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_activities_deleted()""",
    """CREATE TRIGGER reporting_activities_updated AFTER UPDATE ON activities_activity
       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION reporting_activities_updated()""",
]
TRIGGERS = {
    "reporting_participants_inserted": "activities_participant",
    "reporting_participants_deleted": "activities_participant",
    "reporting_participants_updated": "activities_participant",
    "reporting_person_updated": "beneficiaries_beneficiary",
    "reporting_activities_inserted": "activities_activity",
    "reporting_activities_deleted": "activities_activity",
    "reporting_activities_updated": "activities_activity",
}
REMOVE = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in TRIGGERS.items()] + [
    f"DROP FUNCTION IF EXISTS {name}()" for name in TRIGGERS
]


def install(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for statement in INSTALL:
                cursor.execute(statement)
    Activity = apps.get_model("activities", "Activity")
    Participant = apps.get_model("activities", "Participant")
    empty = not Activity.objects.exists() and not Participant.objects.exists()
    # With records already there, the aggregates are built by `python manage.py statistics_rebuild`.
    apps.get_model("reporting", "AggregateState").objects.create(built_at=timezone.now() if empty else None)


def remove(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for statement in REMOVE:
                cursor.execute(statement)
    apps.get_model("reporting", "AggregateState").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0002_statistics_aggregates"),
        ("activities", "0001_initial"),
        ("beneficiaries", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, remove)]
