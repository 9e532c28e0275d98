"""The reads of the dashboards and exports on the read replica; everything else on the primary.

Which reads may be a little late is the view's choice, not the model's: the activity table is read by the dashboards
(a replica may do it) and by the screens that have just written an activity (they must see it at once). So the
router sends nothing to the replica by itself; the views of the dashboards, the exports and the public statistics
run under `reading_from_replica()` (through the `replica_view` decorator):

- tremplin/www/reporting/dashboards.py: the dashboard levels (national, département, lieu, médiateur, équipe,
  organisation);
- tremplin/www/reporting/exports.py: CSV, XLSX, funder report (PDF), open-data CSV;
- tremplin/www/reporting/public.py: the public national statistics and the share links;
- tremplin/www/activities/coop_views.py: the La Coop export (CSV streamed, XLSX).

Rules: writes always go to the primary ("default"); a read inside a transaction of the primary stays on the
primary (a service called from a dashboard reads what it is about to write); without DATABASE_REPLICA_URL there
is no "replica" alias and everything goes to "default". Migrations run on the primary only (the replica is a
physical copy of it, read-only: PostgreSQL itself refuses any write there).
"""

import contextvars
import functools
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import FileResponse, StreamingHttpResponse

REPLICA = "replica"
_replica_reads = contextvars.ContextVar("tremplin_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def reading_from_replica():
    """The reads made inside go to the replica when there is one (context manager and function decorator)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def read_alias() -> str:
    """Where a read made now goes."""
    if not _replica_reads.get() or not replica_configured():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA


def _streamed(chunks):
    """A streamed answer's content, each piece produced under reading_from_replica() (the queries of a streamed
    export run after the view has returned)."""
    iterator = iter(chunks)
    while True:
        with reading_from_replica():
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


def replica_view(view):
    """A view whose reads go to the replica: dashboards, exports, public statistics (put it below login_required:
    the session and the account are read on the primary before)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        user = getattr(request, "user", None)
        if user is not None:
            user.is_authenticated  # noqa: B018 (the session and account are read now, on the primary)
        with reading_from_replica():
            response = view(request, *args, **kwargs)
        # A streamed CSV runs its queries while it is sent; a file (FileResponse) is already written.
        if isinstance(response, StreamingHttpResponse) and not isinstance(response, FileResponse):
            response.streaming_content = _streamed(response.streaming_content)
        return response

    wrapper.reads_from_replica = True  # kept by the decorators above (functools.wraps): tests/ops/test_routers.py
    return wrapper


class ReplicaRouter:
    """DATABASE_ROUTERS entry (tremplin/settings/deployment.py)."""

    def db_for_read(self, model, **hints):
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary: an object read there may point to one read here.
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA, None}

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS
