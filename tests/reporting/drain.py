"""The worker's steady state, for the query-count assertions of statistics pages."""

from tremplin.reporting import aggregates


def drained():
    """On PostgreSQL the statistics tables fold in every pending change (a dashboard read would otherwise fold in
    the few that remain first: a few more queries). Nothing to do on SQLite, which counts directly."""
    if aggregates.enabled():
        aggregates.refresh()
