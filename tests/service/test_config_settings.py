"""service.config: settings from the environment, resolved once after overrides."""
from __future__ import annotations

from pathlib import Path

import pytest

from service.config import Settings


def test_overriding_home_moves_the_derived_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SARING_SECRET_KEY", raising=False)
    home = tmp_path / "elsewhere"
    s = Settings.from_env({}).with_overrides({"home": home})
    assert s.database_url == f"sqlite:///{home / 'saring.db'}"
    assert (home / "secret_key").read_text().strip() == s.secret_key


def test_given_values_survive_an_override_of_home(tmp_path):
    s = Settings.from_env({"SARING_HOME": str(tmp_path / "a"), "DATABASE_URL": "postgresql://db/x",
                           "SARING_SECRET_KEY": "k" * 32})
    moved = s.with_overrides({"home": tmp_path / "b"})
    assert (moved.database_url, moved.secret_key) == ("postgresql+psycopg://db/x", "k" * 32)
    assert moved.home == Path(tmp_path / "b").resolve()


def test_unknown_override_is_refused(tmp_path):
    with pytest.raises(TypeError, match="unknown settings"):
        Settings.from_env({"SARING_HOME": str(tmp_path)}).with_overrides({"hom": tmp_path})
