"""Only ``saring serve``, ``saring db upgrade`` and ``saring worker`` migrate (issue 8, fix 6).

Every other command uses the database as it is: on a database without Saring's schema it stops
with a clean error naming ``saring db upgrade`` and creates nothing (no tables, no
``alembic_version``). Runs on a fresh SQLite file, and on a fresh PostgreSQL schema when
``DATABASE_URL`` is PostgreSQL.
"""
from __future__ import annotations

import os
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from service.cli import main
from service.config import Settings


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return Settings(database_url=url).resolved().database_url if url.startswith("postgres") else None


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_db(request, tmp_path, redis_url, redis_prefix, monkeypatch):
    """``(url, schema)`` of an empty database the CLI is pointed at (``DATABASE_URL`` etc. set)."""
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        base = _postgres_url()
        if base is None:
            pytest.skip("DATABASE_URL is not PostgreSQL")
        schema = f"cli_fresh_{uuid.uuid4().hex[:10]}"
        with create_engine(base).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}?options=-csearch_path%3D{schema}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("SARING_REDIS_PREFIX", redis_prefix)
    monkeypatch.setenv("SARING_HOME", str(tmp_path))
    yield url, schema
    if schema is not None:
        with create_engine(_postgres_url()).begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def _tables(fresh) -> list[str]:
    url, schema = fresh
    engine = create_engine(Settings(database_url=url).resolved().database_url)
    try:
        return inspect(engine).get_table_names(schema=schema)
    finally:
        engine.dispose()


@pytest.mark.parametrize("args", [
    ["models", "list"], ["models", "show", "20990101-000000000000"], ["keys", "list"],
    ["keys", "create", "--site", "https://news.example"], ["users", "list"], ["sites", "list"],
    ["webhooks", "list"], ["webhooks", "sweep"], ["comments", "history", "0" * 32],
], ids=" ".join)
def test_commands_leave_a_fresh_database_alone(fresh_db, args):
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 1 and "Traceback" not in r.output, (r.output, r.exception)
    assert "has no Saring schema yet: run `saring db upgrade` first" in r.output, r.output
    assert _tables(fresh_db) == []  # no tables, no alembic_version


def test_db_upgrade_migrates_and_then_commands_work(fresh_db):
    cli = CliRunner()
    r = cli.invoke(main, ["db", "upgrade"])
    assert r.exit_code == 0 and "revision" in r.output, r.output
    assert {"alembic_version", "sites", "api_keys"} <= set(_tables(fresh_db))
    r = cli.invoke(main, ["keys", "list"])
    assert r.exit_code == 0 and "no keys yet" in r.output, r.output
    r = cli.invoke(main, ["models", "list"])
    assert r.exit_code == 0 and "no published versions yet" in r.output, r.output


def test_worker_migrates(fresh_db):
    r = CliRunner().invoke(main, ["worker", "--burst"])
    assert r.exit_code == 0, (r.output, r.exception)
    assert {"alembic_version", "webhook_deliveries"} <= set(_tables(fresh_db))


def test_a_schema_behind_asks_for_db_upgrade(fresh_db):
    cli = CliRunner()
    assert cli.invoke(main, ["db", "upgrade", "0001"]).exit_code == 0
    r = cli.invoke(main, ["users", "list"])
    assert r.exit_code == 1 and "is at revision 0001" in r.output and "saring db upgrade" in r.output, r.output
    assert cli.invoke(main, ["db", "upgrade"]).exit_code == 0
    assert cli.invoke(main, ["users", "list"]).exit_code == 0
