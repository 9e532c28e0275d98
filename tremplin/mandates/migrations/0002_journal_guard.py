"""Database guard of the mandate journal: UPDATE, DELETE (and TRUNCATE on PostgreSQL) are refused by triggers.

The application only ever inserts into `mandates_journalentry` (tremplin.mandates.journal.append); these triggers
make the database itself refuse any other change, whatever the path: ORM `save()` of an existing row,
`QuerySet.update()`, `.delete()`, `bulk_update()`, the admin, or raw SQL from a role that cannot alter the table.

- PostgreSQL: one PL/pgSQL function raising an exception (SQLSTATE 23000, an IntegrityError for Django), called
  BEFORE UPDATE OR DELETE FOR EACH ROW and BEFORE TRUNCATE FOR EACH STATEMENT. TRUNCATE of an *empty* journal is
  let through: it destroys nothing, and the test runner's flush of a database (TRUNCATE of every table) keeps
  working as long as the journal holds no entry.
- SQLite: two triggers, BEFORE UPDATE and BEFORE DELETE, `SELECT RAISE(ABORT, ...)` (SQLite has no TRUNCATE; a
  `DELETE FROM` without WHERE fires the trigger on each row).

What they do not stop: a database owner or superuser can drop them (that is what the tests do, as an attacker
would). The hash chain, the daily verification and an externally kept copy of the head hash detect that
(docs/journal-des-mandats.md).

Caution for later migrations: on SQLite, Django alters a table by re-creating it, which drops its triggers. Any
migration that alters `JournalEntry` must call `install()` from this module again (RunPython).
"""

from django.db import migrations

TABLE = "mandates_journalentry"
MESSAGE = "Le journal des mandats est en ajout seul"

POSTGRESQL_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION mandates_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            IF NOT EXISTS (SELECT 1 FROM {TABLE}) THEN
                RETURN NULL;
            END IF;
            RAISE EXCEPTION '{MESSAGE} : vidage refusé.' USING ERRCODE = 'integrity_constraint_violation';
        ELSIF TG_OP = 'UPDATE' THEN
            RAISE EXCEPTION '{MESSAGE} : modification de l''entrée % refusée.', OLD.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RAISE EXCEPTION '{MESSAGE} : suppression de l''entrée % refusée.', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$
    """,  # noqa: S608 (constants only)
    f"""
    CREATE TRIGGER mandates_journal_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION mandates_journal_append_only()
    """,
    f"""
    CREATE TRIGGER mandates_journal_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION mandates_journal_append_only()
    """,
]
POSTGRESQL_REMOVE = [
    f"DROP TRIGGER IF EXISTS mandates_journal_no_truncate ON {TABLE}",
    f"DROP TRIGGER IF EXISTS mandates_journal_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS mandates_journal_append_only()",
]
SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER mandates_journal_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE} : modification refusée.'); END
    """,
    f"""
    CREATE TRIGGER mandates_journal_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE} : suppression refusée.'); END
    """,
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS mandates_journal_no_update",
    "DROP TRIGGER IF EXISTS mandates_journal_no_delete",
]
STATEMENTS = {
    "postgresql": (POSTGRESQL_INSTALL, POSTGRESQL_REMOVE),
    "sqlite": (SQLITE_INSTALL, SQLITE_REMOVE),
}


def _run(connection, statements):
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install(connection) -> None:
    """Create the guard on `connection` (idempotent: removes it first)."""
    if connection.vendor not in STATEMENTS:
        raise NotImplementedError(f"Garde du journal des mandats non prévue pour {connection.vendor}.")
    install_sql, remove_sql = STATEMENTS[connection.vendor]
    _run(connection, remove_sql)
    _run(connection, install_sql)


def remove(connection) -> None:
    if connection.vendor in STATEMENTS:
        _run(connection, STATEMENTS[connection.vendor][1])


def forwards(apps, schema_editor):
    install(schema_editor.connection)


def backwards(apps, schema_editor):
    remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("mandates", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
