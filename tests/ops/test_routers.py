"""The read-replica router (tremplin/ops/routers.py): reads on the replica only inside reading_from_replica() and
when a replica is configured, never a write, never inside a transaction of the primary; the dashboards, exports and
public statistics run under it, the other screens do not. The real replica: tests/ops/test_scale_proof.py."""

import pytest
from django.db import router, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.urls import resolve, reverse

from tremplin.activities.models import Activity
from tremplin.ops import routers
from tremplin.ops.routers import read_alias, reading_from_replica, replica_view


@pytest.fixture
def with_replica(monkeypatch):
    monkeypatch.setattr(routers, "replica_configured", lambda: True)


def test_without_a_replica_everything_goes_to_the_primary():
    assert router.db_for_read(Activity) == "default"
    with reading_from_replica():
        assert router.db_for_read(Activity) == "default"
        assert router.db_for_write(Activity) == "default"


def test_with_a_replica_only_the_reads_inside_the_context_go_there(with_replica):
    assert router.db_for_read(Activity) == "default"
    with reading_from_replica():
        assert router.db_for_read(Activity) == "replica"
        assert router.db_for_write(Activity) == "default"
        with reading_from_replica():
            assert read_alias() == "replica"
        assert read_alias() == "replica"  # the inner block does not end the outer one
    assert router.db_for_read(Activity) == "default"
    assert router.allow_migrate("replica", "activities") is False
    assert router.allow_migrate("default", "activities") is True


@pytest.mark.django_db(transaction=True)
def test_a_read_inside_a_transaction_of_the_primary_stays_there(with_replica):
    with reading_from_replica():
        assert read_alias() == "replica"
        with transaction.atomic():  # a service writing then reading what it wrote
            assert router.db_for_read(Activity) == "default"


def test_the_view_decorator_covers_the_view_and_the_streamed_content(with_replica):
    seen = []

    def page(request):
        seen.append(("page", read_alias()))
        return HttpResponse("ok")

    def stream(request):
        seen.append(("view", read_alias()))

        def chunks():
            for n in range(2):
                seen.append(("chunk", read_alias()))
                yield f"{n}\n"

        return StreamingHttpResponse(chunks())

    request = RequestFactory().get("/")
    replica_view(page)(request)
    response = replica_view(stream)(request)
    assert read_alias() == "default"  # the view has returned; its CSV is sent now
    assert b"".join(response.streaming_content) == b"0\n1\n"
    assert seen == [("page", "replica"), ("view", "replica"), ("chunk", "replica"), ("chunk", "replica")]
    assert read_alias() == "default"


REPLICA_PAGES = [
    ("reporting:dashboard", []),
    ("reporting:departement", ["13"]),
    ("reporting:site", [1]),
    ("reporting:mediator", [1]),
    ("reporting:team", [1]),
    ("reporting:organisation", [1]),
    ("reporting:export_csv", []),
    ("reporting:export_xlsx", []),
    ("reporting:funder_report", []),
    ("reporting:opendata_csv", []),
    ("public_stats:national", []),
    ("public_stats:share", ["jeton"]),
    ("activities:export_csv", []),
    ("activities:export_xlsx", []),
]
PRIMARY_PAGES = [
    ("reporting:share_create", []),
    ("reporting:objectives", []),
    ("activities:coop_import", []),
    ("home:index", []),
    ("accounts:login", []),
]


@pytest.mark.parametrize(("name", "args"), REPLICA_PAGES)
def test_dashboards_exports_and_public_statistics_read_from_the_replica(name, args):
    assert getattr(resolve(reverse(name, args=args)).func, "reads_from_replica", False)


@pytest.mark.parametrize(("name", "args"), PRIMARY_PAGES)
def test_the_other_screens_read_from_the_primary(name, args):
    assert not getattr(resolve(reverse(name, args=args)).func, "reads_from_replica", False)
