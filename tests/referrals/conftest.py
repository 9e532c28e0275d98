import pytest

from tests.referrals.factories import make_world


@pytest.fixture
def world(db):
    return make_world()
