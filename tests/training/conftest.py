"""Fixtures for training tests: the public data sets (skip when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.data import default_data_dir


def _find_data_dir() -> Path:
    primary = default_data_dir()
    if primary.is_dir():
        return primary
    beside_repo = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    return beside_repo if beside_repo.is_dir() else primary


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of the public data sets; skips the test when it is missing."""
    path = _find_data_dir()
    if not (path / "id_judol_youtube_comments").is_dir():
        pytest.skip(f"data sets not found at {path.resolve()}; set SARING_DATA_DIR")
    return path
