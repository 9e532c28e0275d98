"""`manage.py backup` then `manage.py restore` into an empty database finds the same data: every table with the same
number of rows, the values of several apps one by one, the mandate journal's triggers (PostgreSQL: and sequences).
A restore into a database that has tables is refused unless --force, which then replaces its content.

PostgreSQL (the suite's database, scripts/with-postgres.sh): the data is written here, the backup is taken of the
test database, the restore goes into a second database created on the same server, by `manage.py restore` in its own
process as an operator would run it. SQLite: its own files in a temporary folder, every step in its own process."""

import os
import sqlite3
import subprocess
import sys
import urllib.parse
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.ops.sample import read_values, write_sample

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, database_url: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_REPLICA_URL"}
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="tremplin.settings.test")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


# --- PostgreSQL ---------------------------------------------------------------------------------------------------


def pg_params(name: str) -> dict:
    settings = connection.settings_dict
    return {
        "host": settings["HOST"] or None,
        "port": settings["PORT"] or None,
        "user": settings["USER"] or None,
        "password": settings["PASSWORD"] or None,
        "dbname": name,
    }


def pg_url(name: str) -> str:
    settings = connection.settings_dict
    user = urllib.parse.quote(settings["USER"] or "")
    password = f":{urllib.parse.quote(settings['PASSWORD'])}" if settings["PASSWORD"] else ""
    return f"postgres://{user}{password}@{settings['HOST']}:{settings['PORT']}/{name}"


def pg_counts(cursor) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (names read from the catalogue)
        counts[table] = cursor.fetchone()[0]
    return counts


def pg_sequences(cursor) -> dict[str, int | None]:
    cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
    return dict(cursor.fetchall())


@pytest.fixture
def empty_pg_database(django_db_setup):
    """A second, empty database on the suite's PostgreSQL server, dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL seulement (scripts/with-postgres.sh) ; SQLite : test_sqlite_backup_restores_…")
    name = f"{connection.settings_dict['NAME']}_restauree_{os.getpid()}"
    with psycopg.connect(**pg_params(connection.settings_dict["NAME"]), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(**pg_params(connection.settings_dict["NAME"]), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_postgresql_backup_restores_the_same_data_into_an_empty_database(tmp_path, empty_pg_database, capsys):
    write_sample()
    call_command("backup", output=str(tmp_path))
    said = capsys.readouterr().out
    [dump] = list(tmp_path.glob("tremplin-*.dump"))
    assert f"Sauvegarde écrite : {dump}" in said and "PostgreSQL" in said
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    done = manage("restore", str(dump), database_url=pg_url(empty_pg_database))
    assert done.returncode == 0, done.stderr
    assert "Sauvegarde restaurée" in done.stdout

    with connection.cursor() as cursor:
        counts, values, sequences = pg_counts(cursor), read_values(cursor), pg_sequences(cursor)
    assert counts["mandates_journalentry"] == 2 and counts["beneficiaries_beneficiary"] == 3
    with psycopg.connect(**pg_params(empty_pg_database), autocommit=True) as restored:
        with restored.cursor() as cursor:
            assert pg_counts(cursor) == counts
            assert read_values(cursor) == values
            assert pg_sequences(cursor) == sequences  # the next rows get new ids
        # The journal stays append-only in the copy (its trigger function came with the tables).
        with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="ajout seul"):
            restored.execute("DELETE FROM mandates_journalentry")
        restored.execute("DELETE FROM beneficiaries_consent")  # a change made after the restore

    # The restored database is not empty any more: refused, then replaced with --force.
    refused = manage("restore", str(dump), database_url=pg_url(empty_pg_database))
    assert refused.returncode != 0
    assert "n'est pas vide" in refused.stderr and "--force" in refused.stderr
    forced = manage("restore", str(dump), "--force", database_url=pg_url(empty_pg_database))
    assert forced.returncode == 0, forced.stderr
    with psycopg.connect(**pg_params(empty_pg_database)) as restored, restored.cursor() as cursor:
        assert pg_counts(cursor) == counts  # the consents deleted after the first restore are back
        assert read_values(cursor) == values


@pytest.mark.django_db
def test_restore_refuses_a_database_that_has_tables_and_a_file_that_is_no_backup(tmp_path):
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("bonjour")
    with pytest.raises(CommandError, match="n'est pas une sauvegarde"):
        call_command("restore", str(not_a_backup))
    fake = tmp_path / "fausse.dump"
    fake.write_bytes((b"PGDMP" if connection.vendor == "postgresql" else b"SQLite format 3\x00") + b"\0" * 64)
    with pytest.raises(CommandError, match="n'est pas vide"):
        call_command("restore", str(fake))  # the test database has every table
    with pytest.raises(CommandError, match="Fichier introuvable"):
        call_command("restore", str(tmp_path / "absente.dump"))


# --- SQLite -------------------------------------------------------------------------------------------------------


def sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}  # noqa: S608


def sqlite_schema(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()


def sqlite_values(path: Path) -> dict[str, list]:
    db = sqlite3.connect(path)
    try:
        return read_values(db.cursor())
    finally:
        db.close()


def test_sqlite_backup_restores_the_same_data_into_an_empty_database(tmp_path):
    source, restored, backups = tmp_path / "tremplin.sqlite3", tmp_path / "restauree.sqlite3", tmp_path / "sauvegardes"
    script = (
        "from django.core.management import call_command; call_command('migrate', verbosity=0); "
        "from tests.ops.sample import write_sample; write_sample(); "
        f"call_command('backup', output={str(backups)!r})"
    )
    written = manage("shell", "-c", script, database_url=f"sqlite:///{source}", timeout=120)
    assert written.returncode == 0, written.stderr
    [copy] = list(backups.glob("tremplin-tremplin-*.sqlite3"))
    assert f"Sauvegarde écrite : {copy}" in written.stdout and "SQLite" in written.stdout

    done = manage("restore", str(copy), database_url=f"sqlite:///{restored}")
    assert done.returncode == 0, done.stderr
    counts = sqlite_counts(source)
    assert counts["mandates_journalentry"] == 2 and counts["beneficiaries_beneficiary"] == 3
    assert sqlite_counts(restored) == counts
    assert sqlite_values(restored) == sqlite_values(source)
    assert sqlite_schema(restored) == sqlite_schema(source)  # tables, indexes and the journal's triggers
    with sqlite3.connect(restored) as db, pytest.raises(sqlite3.DatabaseError, match="ajout seul"):
        db.execute("DELETE FROM mandates_journalentry")

    refused = manage("restore", str(copy), database_url=f"sqlite:///{restored}")
    assert refused.returncode != 0 and "n'est pas vide" in refused.stderr
