import importlib
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("TREMPLIN_DATA_DIR") or ROOT.parent / "shared" / "data")


@pytest.fixture
def shared_data() -> Path:
    """The real open-data directory (../shared/data); tests using it are skipped when it is absent."""
    if not (SHARED_DATA / "communes").is_dir():
        pytest.skip(f"données de référence absentes ({SHARED_DATA})")
    return SHARED_DATA


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "shared_data" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.realdata)


def _transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    by_marker = marker is not None and bool(marker.kwargs.get("transaction") or marker.args[:1] == (True,))
    return by_marker or "transactional_db" in request.fixturenames or "live_server" in request.fixturenames


@pytest.fixture(autouse=True)
def _journal_emptied_before_flush(request):
    """`transaction=True` and live-server tests end with a flush of every table, which the mandate journal's
    triggers refuse while it holds entries (tremplin/mandates/migrations/0002_journal_guard.py): empty it first,
    triggers dropped then put back, so that any such test may write journal entries."""
    if not _transactional(request):
        yield
        return
    request.getfixturevalue("transactional_db")  # set up before this fixture, so flushed after its teardown
    yield
    from django.db import connection

    from tremplin.mandates.models import JournalEntry

    guard = importlib.import_module("tremplin.mandates.migrations.0002_journal_guard")
    guard.remove(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {JournalEntry._meta.db_table}")  # noqa: S608 (a model's own table name)
    finally:
        guard.install(connection)
