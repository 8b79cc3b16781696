"""Issue 11 (4): API keys are stored as HMAC-SHA-256 under a secret outside the database; legacy
SHA-256 rows are upgraded; data files are 0600; keys stay out of the access log."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import stat
import types

from click.testing import CliRunner
from sqlalchemy import select

from service.accounts import sites
from service.config import Settings
from service.infra.access_log import RedactingLogger, redact
from service.store.db import Database, session_scope
from service.store.tables import ApiKey
from tests.conftest import TEST_API_KEY_SECRET


def test_a_new_key_is_stored_as_an_hmac_under_the_server_secret(clean_db):
    with session_scope(clean_db) as s:
        new = sites.create_key(s, "https://news.example")
    with session_scope(clean_db) as s:
        row = s.get(ApiKey, new.key_id)
        plain = hashlib.sha256(new.key.encode()).hexdigest()
        assert row.key_hash != plain and row.hash_version == sites.HMAC_HASH
        assert row.key_hash == hmac.new(TEST_API_KEY_SECRET.encode(), plain.encode(), hashlib.sha256).hexdigest()
        assert row.key_hint == new.key[:2] and len(row.key_hint) == 2
        assert sites.find_key(s, new.key).id == new.key_id
        assert sites.find_key(s, new.key.upper()).id == new.key_id  # keys are case-insensitive
    # the same database opened with another secret (a stolen copy) cannot verify the key
    thief = Database(clean_db.url, "another-secret")
    try:
        with session_scope(thief) as s:
            assert sites.find_key(s, new.key) is None
    finally:
        thief.dispose()


def _legacy_row(db: Database, key: str) -> int:
    with session_scope(db) as s:
        site = sites.get_or_create_site(s, "https://old.example")
        row = ApiKey(site_id=site.id, key_hash=hashlib.sha256(key.encode()).hexdigest(), hash_version=1,
                     key_hint=key[:4], label="before 0005", created_at=dt.datetime.now(dt.timezone.utc))
        s.add(row)
        s.flush()
        return row.id


def test_a_legacy_key_is_upgraded_on_first_use_and_by_the_command(clean_db, test_config, monkeypatch):
    first, second = "a1b2c3d4e5f6", "0f9e8d7c6b5a"
    a, b = _legacy_row(clean_db, first), _legacy_row(clean_db, second)
    with session_scope(clean_db) as s:
        assert sites.find_key(s, first).id == a
    with session_scope(clean_db) as s:
        row = s.get(ApiKey, a)
        assert row.hash_version == 2 and row.key_hint == "a1"
        assert row.key_hash != hashlib.sha256(first.encode()).hexdigest()
        assert s.get(ApiKey, b).hash_version == 1
    from service.cli import main

    for name, value in test_config.items():
        if name in ("database_url", "api_key_secret", "home"):
            monkeypatch.setenv({"database_url": "DATABASE_URL", "api_key_secret": "SARING_API_KEY_SECRET",
                                "home": "SARING_HOME"}[name], str(value))
    out = CliRunner().invoke(main, ["keys", "rehash"])
    assert out.exit_code == 0 and "1 key(s) re-stored" in out.output, out.output
    with session_scope(clean_db) as s:
        assert s.scalar(select(ApiKey.hash_version).where(ApiKey.id == b)) == 2
        assert sites.find_key(s, second).id == b
    again = CliRunner().invoke(main, ["keys", "rehash"])
    assert "already" in again.output


def test_data_files_are_private(tmp_path):
    home = tmp_path / "home"
    settings = Settings(home=home).resolved()
    db = Database(settings.database_url, settings.api_key_secret)
    try:
        db.upgrade()
    finally:
        db.dispose()
    for name in ("saring.db", "secret_key", "api_key_secret"):
        assert stat.S_IMODE(os.stat(home / name).st_mode) == 0o600, name
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    # an existing world-readable database file is made private when opened
    os.chmod(home / "saring.db", 0o644)
    Database(settings.database_url, settings.api_key_secret).dispose()
    assert stat.S_IMODE(os.stat(home / "saring.db").st_mode) == 0o600


def test_keys_stay_out_of_the_access_log():
    assert redact("GET /1.2/key-sites?api_key=7b1a0cc61cdd&format=csv HTTP/1.1") == \
        "GET /1.2/key-sites?api_key=[redacted]&format=csv HTTP/1.1"
    assert redact("key=abc;token=x&month=2026-11") == "key=[redacted];token=[redacted]&month=2026-11"
    assert redact("GET /api/v1/queue/comments?keyword=slot HTTP/1.1").endswith("keyword=slot HTTP/1.1")
    logger = RedactingLogger.__new__(RedactingLogger)
    logger.cfg = types.SimpleNamespace(is_ssl=False)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/1.2/usage-limit?api_key=7b1a0cc61cdd",
               "SERVER_PROTOCOL": "HTTP/1.1", "QUERY_STRING": "api_key=7b1a0cc61cdd", "PATH_INFO": "/1.2/usage-limit",
               "HTTP_REFERER": "https://news.example/wp-admin?api_key=7b1a0cc61cdd"}
    resp = types.SimpleNamespace(status="200 OK", headers=[], sent=10)
    req = types.SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    atoms = logger.atoms(resp, req, environ, dt.timedelta(milliseconds=3))
    assert "7b1a0cc61cdd" not in " ".join(str(v) for v in atoms.values())
    assert atoms["r"] == "GET /1.2/usage-limit?api_key=[redacted] HTTP/1.1"
