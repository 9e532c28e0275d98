import pytest

from tests.beneficiaries.worlds import make_world


@pytest.fixture
def world():
    return make_world()
