"""Fixtures of the store tests: an empty database of its own (SQLite file; PostgreSQL schema too
when ``DATABASE_URL`` is PostgreSQL) for migrating up and down."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from service.config import Settings
from service.store.db import Database

from tests.conftest import TEST_API_KEY_SECRET


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return Settings(database_url=url).resolved().database_url if url.startswith("postgres") else None


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request, tmp_path):
    """A ``Database`` on an empty schema (nothing migrated yet); removed afterwards."""
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrate.db'}"
    else:
        base = _postgres_url()
        if base is None:
            pytest.skip("DATABASE_URL is not PostgreSQL")
        schema = f"migrate_{uuid.uuid4().hex[:10]}"
        with create_engine(base).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}?options=-csearch_path%3D{schema}"
    db = Database(Settings(database_url=url).resolved().database_url, TEST_API_KEY_SECRET)
    yield db
    db.dispose()
    if schema is not None:
        with create_engine(_postgres_url()).begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
