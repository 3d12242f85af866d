import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def nerel_dir() -> Path:
    """The real NEREL v1.1 folder from $NEREL_DIR; tests that need it skip without it."""
    value = os.environ.get("NEREL_DIR")
    if not value:
        pytest.skip("NEREL_DIR is not set: point it at a NEREL v1.1 folder to run this test")
    path = Path(value)
    if not (path / "train").is_dir():
        pytest.skip(f"NEREL_DIR={path} has no train/ folder")
    return path
