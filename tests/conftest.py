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
