"""Backups and restores of the whole database, with the engines' own tools (`manage.py backup`, `manage.py restore`).

- PostgreSQL: `pg_dump --format=custom` (compressed, consistent: one snapshot, taken without stopping the
  service), restored by `pg_restore` in one transaction (all or nothing). The client programs are those of the
  server's major version (/usr/lib/postgresql/<version>/bin on Debian), else the newest installed, else the PATH.
- SQLite: the online backup API of sqlite3 (`Connection.backup`): a consistent copy page by page while the
  platform keeps writing (WAL); a restore copies the file back the same way.

A restore goes into an empty database only (no table): restoring over a database in use would mix two states.
`force=True` replaces what is there (PostgreSQL: the objects of the backup are dropped first, `--clean`).
"""

import glob
import os
import re
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import connections
from django.utils import timezone

PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup or restore that could not be done; the message is in French, for the operator."""


@dataclass(frozen=True)
class Outcome:
    path: Path
    engine: str  # "PostgreSQL 15" / "SQLite 3.40.1"
    database: str
    tables: int
    size: int  # bytes of the backup file
    seconds: float


def _settings(alias: str) -> dict:
    return connections[alias].settings_dict


def _vendor(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"Moteur « {vendor} » non pris en charge : PostgreSQL ou SQLite seulement.")
    return vendor


def table_names(alias: str = "default") -> list[str]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor))


# --- PostgreSQL ---------------------------------------------------------------------------------------------------


def _major(path: str) -> int:
    found = re.search(r"/postgresql/(\d+)/", path)
    return int(found.group(1)) if found else 0


def pg_program(name: str, server_major: int) -> str:
    """The client program of the server's major version (a newer one reads older servers; an older one refuses)."""
    installed = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_major)
    for path in installed:
        if _major(path) == server_major:
            return path
    newer = [path for path in installed if _major(path) > server_major]
    if newer:
        return newer[-1]
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} introuvable : installer le paquet postgresql-client-{server_major} (Debian) ou l'ajouter au PATH."
        )
    return found


def _pg_environment(settings: dict) -> dict:
    """libpq's variables (the password never appears on a command line)."""
    env = dict(os.environ)
    values = {
        "PGHOST": settings.get("HOST") or "",
        "PGPORT": str(settings.get("PORT") or ""),
        "PGUSER": settings.get("USER") or "",
        "PGPASSWORD": settings.get("PASSWORD") or "",
        "PGDATABASE": settings["NAME"],
        "PGSSLMODE": (settings.get("OPTIONS") or {}).get("sslmode", ""),
    }
    env.update({key: value for key, value in values.items() if value})
    return env


def _server_major(alias: str) -> int:
    connection = connections[alias]
    connection.ensure_connection()
    return connection.pg_version // 10000


def _run(command: list[str], env: dict) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{Path(command[0]).name} a échoué : " + (" ".join(detail[-5:]) or f"code {done.returncode}"))


def _pg_backup(alias: str, target: Path) -> str:
    major = _server_major(alias)
    command = [pg_program("pg_dump", major), "--format=custom", "--no-password", f"--file={target}"]
    _run(command, _pg_environment(_settings(alias)))
    return f"PostgreSQL {major}"


def _pg_restore(alias: str, path: Path, force: bool) -> None:
    major = _server_major(alias)
    connections[alias].close()  # pg_restore works alone on the database
    command = [
        pg_program("pg_restore", major),
        "--no-password",
        "--no-owner",  # the objects belong to the account that restores (the platform's)
        "--no-privileges",
        "--single-transaction",  # all or nothing
        "--exit-on-error",
        f"--dbname={_settings(alias)['NAME']}",
    ]
    if force:
        command += ["--clean", "--if-exists"]
    _run([*command, str(path)], _pg_environment(_settings(alias)))


# --- SQLite -------------------------------------------------------------------------------------------------------


def _sqlite_file(alias: str) -> Path:
    name = str(_settings(alias)["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError(f"La base SQLite « {name} » n'est pas un fichier : rien à sauvegarder.")
    return Path(name)


def _sqlite_copy(source: str, destination: str, *, source_uri: bool = False) -> None:
    reader = sqlite3.connect(source, uri=source_uri)
    try:
        writer = sqlite3.connect(destination)
        try:
            reader.backup(writer)  # the online backup API: a consistent copy while others write
        finally:
            writer.close()
    finally:
        reader.close()


def _sqlite_backup(alias: str, target: Path) -> str:
    source = _sqlite_file(alias)
    if not source.exists():
        raise BackupError(f"Fichier SQLite absent : {source}")
    _sqlite_copy(f"file:{source}?mode=ro", str(target), source_uri=True)
    return f"SQLite {sqlite3.sqlite_version}"


def _sqlite_restore(alias: str, path: Path) -> None:
    check = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        verdict = check.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        check.close()
    if verdict != "ok":
        raise BackupError(f"Sauvegarde SQLite abîmée ({verdict}) : restauration refusée.")
    target = _sqlite_file(alias)
    target.parent.mkdir(parents=True, exist_ok=True)
    connections[alias].close()
    _sqlite_copy(f"file:{path}?mode=ro", str(target), source_uri=True)


# --- the two operations -------------------------------------------------------------------------------------------


def backup_name(database: str, extension: str, when=None) -> str:
    stamp = timezone.localtime(when).strftime("%Y%m%d-%H%M%S")
    return f"tremplin-{Path(database).stem}-{stamp}.{extension}"


def backup(*, output_dir: Path, alias: str = "default") -> Outcome:
    """Write a timestamped backup of the database into `output_dir`; the file appears only once complete."""
    start = time.monotonic()
    vendor = _vendor(alias)
    database = str(_settings(alias)["NAME"])
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    extension = "dump" if vendor == "postgresql" else "sqlite3"
    target = output_dir / backup_name(database, extension)
    number = 1
    while target.exists():  # two backups in the same second
        number += 1
        target = output_dir / f"{target.stem.rsplit('.', 1)[0]}.{number}.{extension}"
    partial = target.with_name(target.name + ".partiel")
    try:
        engine = _pg_backup(alias, partial) if vendor == "postgresql" else _sqlite_backup(alias, partial)
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(
        path=target,
        engine=engine,
        database=Path(database).name if vendor == "sqlite" else database,
        tables=len(table_names(alias)),
        size=target.stat().st_size,
        seconds=time.monotonic() - start,
    )


def restore(*, path: Path, alias: str = "default", force: bool = False) -> Outcome:
    """Load a backup into the database, which must be empty (no table) unless `force`."""
    start = time.monotonic()
    path = Path(path)
    vendor = _vendor(alias)
    if not path.is_file():
        raise BackupError(f"Fichier introuvable : {path}")
    with path.open("rb") as handle:
        head = handle.read(16)
    kind = "postgresql" if head.startswith(PG_MAGIC) else "sqlite" if head == SQLITE_MAGIC else None
    if kind is None:
        raise BackupError(f"{path.name} n'est pas une sauvegarde de Tremplin (ni pg_dump au format custom, ni SQLite).")
    if kind != vendor:
        names = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
        raise BackupError(f"Sauvegarde {names[kind]} : elle ne se restaure pas dans une base {names[vendor]}.")
    database = str(_settings(alias)["NAME"])
    present = table_names(alias)
    if present and not force:
        raise BackupError(
            f"La base « {database} » n'est pas vide ({len(present)} tables) : restauration refusée. Restaurer dans une "
            "base neuve, ou ajouter --force pour remplacer son contenu par celui de la sauvegarde."
        )
    if vendor == "postgresql":
        _pg_restore(alias, path, force)
        engine = f"PostgreSQL {_server_major(alias)}"
    else:
        _sqlite_restore(alias, path)
        engine = f"SQLite {sqlite3.sqlite_version}"
    return Outcome(
        path=path,
        engine=engine,
        database=database,
        tables=len(table_names(alias)),
        size=path.stat().st_size,
        seconds=time.monotonic() - start,
    )
