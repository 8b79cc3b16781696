"""Migration 0008_key_sites: the key_sites table up and down, on data that was there before."""
from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from service.store.db import alembic_config
from service.store.tables import Base

REVISION = "0008_key_sites"


def _before() -> str:
    """The revision 0008_key_sites follows 0007 (its parent is looked up, not assumed)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(REVISION).down_revision


def _tables(db) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def _seed(db) -> None:
    """A site and its key, as the schema before 0008 stores them."""
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO sites (id, url, name, created_at, shadow_mode) "
                          "VALUES (1, 'https://blog.example', 'blog', CURRENT_TIMESTAMP, false)"))
        conn.execute(text("INSERT INTO sites (id, url, name, created_at, shadow_mode) "
                          "VALUES (2, 'https://shop.example', 'shop', CURRENT_TIMESTAMP, false)"))
        conn.execute(text("INSERT INTO api_keys (id, site_id, key_hash, hash_version, key_hint, label, created_at) "
                          "VALUES (1, 1, :h, 2, 'ab', '', CURRENT_TIMESTAMP)"), {"h": "0" * 64})


def test_upgrade_adds_key_sites_and_downgrade_removes_it(empty_db):
    empty_db.upgrade(_before())
    assert "key_sites" not in _tables(empty_db)
    _seed(empty_db)
    empty_db.upgrade(REVISION)
    assert empty_db.current_revision() == REVISION
    columns = {c["name"]: c for c in inspect(empty_db.engine).get_columns("key_sites")}
    assert set(columns) == {"api_key_id", "site_id", "created_at"}
    assert inspect(empty_db.engine).get_pk_constraint("key_sites")["constrained_columns"] == ["api_key_id", "site_id"]
    with empty_db.engine.begin() as conn:
        conn.execute(text("INSERT INTO key_sites (api_key_id, site_id, created_at) VALUES (1, 2, CURRENT_TIMESTAMP)"))
    with pytest.raises(IntegrityError), empty_db.engine.begin() as conn:  # one row per key and site
        conn.execute(text("INSERT INTO key_sites (api_key_id, site_id, created_at) VALUES (1, 2, CURRENT_TIMESTAMP)"))

    command.downgrade(alembic_config(empty_db.url), _before())
    assert "key_sites" not in _tables(empty_db)
    with empty_db.engine.connect() as conn:  # what was there before is untouched
        assert conn.execute(text("SELECT url FROM sites ORDER BY id")).scalars().all() == [
            "https://blog.example", "https://shop.example"]
        assert conn.execute(text("SELECT site_id FROM api_keys")).scalars().all() == [1]
    empty_db.upgrade(REVISION)  # and up again
    assert "key_sites" in _tables(empty_db)


def test_the_migrated_table_matches_the_model(empty_db):
    empty_db.upgrade("head")
    with empty_db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if "key_sites" in repr(d)] == []
