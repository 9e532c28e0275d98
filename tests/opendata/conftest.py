import pytest

from tremplin.demo.territory import write_demo_territory


@pytest.fixture
def demo_dir(tmp_path):
    """A small territory in the official formats (the generator behind the demo fallback)."""
    return write_demo_territory(tmp_path / "data", communes_per_departement=12)
