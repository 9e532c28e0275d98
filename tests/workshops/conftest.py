import pytest

from tests.beneficiaries.worlds import make_world


@pytest.fixture
def world():
    return make_world()


@pytest.fixture(autouse=True)
def notified(monkeypatch):
    """Every registration_notify call made by the workshops services, as (registration id, kind).

    Stubbed here: these tests check which messages are asked for and when; how they are sent is
    tested by tests/notifications."""
    calls = []
    monkeypatch.setattr(
        "tremplin.workshops.services.registration_notify",
        lambda *, registration, kind, told_by=None: calls.append((registration.pk, str(kind))),
    )
    return calls
