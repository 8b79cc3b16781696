"""Issue 11 (5): bounded database waits that end in 503 + Retry-After, /readyz that checks writes,
and a /healthz that answers while every database request is stuck. On SQLite and PostgreSQL."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event, func, select, text

from service.store.db import Database, session_scope
from service.store.tables import Comment
from tests.conftest import TEST_API_KEY_SECRET


@pytest.fixture
def own_db(test_config, tmp_path):
    """SQLite: a database file of this test's own (its locks touch no other test); PostgreSQL: the
    test database."""
    url = test_config["database_url"]
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'faults.db'}"
        db = Database(url, TEST_API_KEY_SECRET)
        db.upgrade()
        db.dispose()
    return url


@pytest.fixture
def fault_app(test_config, own_db):
    from service.app import create_app

    app = create_app({**test_config, "database_url": own_db, "db_lock_timeout": 0.5, "db_slots": 1,
                      "db_slot_wait": 0.3})
    yield app
    app.extensions["saring"].close()


def _key(app) -> dict:
    from service.accounts import sites

    with session_scope(app.extensions["saring"].db) as s:
        return {"Authorization": f"Bearer {sites.create_key(s, 'https://faults.example').key}"}


def _count(app) -> int:
    with session_scope(app.extensions["saring"].db) as s:
        return s.scalar(select(func.count()).select_from(Comment))


def _make_read_only(db: Database) -> None:
    """Every new connection read-only (SQLite ``query_only``; PostgreSQL read-only transactions)."""
    sql = "PRAGMA query_only = 1" if db.is_sqlite else "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"

    def _ro(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute(sql)
        cur.close()
        if not db.is_sqlite:
            dbapi_conn.commit()

    event.listen(db.engine, "connect", _ro)
    db.engine.dispose()


def test_a_read_only_database_is_not_ready_and_answers_503(fault_app):
    headers = _key(fault_app)
    client = fault_app.test_client()
    before = _count(fault_app)
    _make_read_only(fault_app.extensions["saring"].db)
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"]["database"] is True
    assert ready.json["checks"]["database_writes"] is False and ready.json["status"] == "unavailable"
    r = client.post("/api/v1/comments", json={"content": "hello from a reader"}, headers=headers)
    assert r.status_code == 503 and r.headers["Retry-After"], r.data[:300]
    ak = client.post("/1.1/comment-check", data={"api_key": headers["Authorization"][7:], "blog": "https://faults.example",
                                                 "user_ip": "203.0.113.7", "comment_content": "hello"})
    assert ak.status_code == 503 and ak.text == "invalid" and ak.headers["Retry-After"]
    assert client.get("/healthz").status_code == 200


class _Locker:
    """Another connection holding the write lock (SQLite ``BEGIN IMMEDIATE``) or an exclusive lock on
    ``comments`` (PostgreSQL) until ``release``."""

    def __init__(self, url: str) -> None:
        self.db = Database(url, TEST_API_KEY_SECRET, lock_timeout=5)
        self.conn = self.db.engine.connect()
        if self.db.is_sqlite:
            self.conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            self.conn.execute(text("LOCK TABLE comments IN ACCESS EXCLUSIVE MODE"))

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()
        self.db.dispose()


def test_a_long_lock_ends_in_503_within_the_lock_timeout_and_healthz_keeps_answering(fault_app, own_db):
    headers = _key(fault_app)
    client = fault_app.test_client()
    before = _count(fault_app)
    locker = _Locker(own_db)
    try:
        answers: dict[str, tuple[int, float]] = {}

        def post(name: str) -> None:
            t0 = time.monotonic()
            r = fault_app.test_client().post("/api/v1/comments", json={"content": f"comment {name}"}, headers=headers)
            answers[name] = (r.status_code, time.monotonic() - t0)

        first = threading.Thread(target=post, args=("first",))
        first.start()
        time.sleep(0.1)  # the first holds the one database slot, waiting on the lock
        post("second")  # no slot within db_slot_wait: 503 at once
        t0 = time.monotonic()
        health = client.get("/healthz")
        health_s = time.monotonic() - t0
        first.join(10)
        assert health.status_code == 200 and health_s < 0.2
        assert answers["second"][0] == 503 and answers["second"][1] < 1.0
        assert answers["first"][0] == 503 and answers["first"][1] < 3.0, answers  # lock timeout 0.5 s
        t0 = time.monotonic()
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json["checks"]["database_writes"] is False
        assert time.monotonic() - t0 < 3.0
    finally:
        locker.release()
    assert _count(fault_app) == before  # nothing stored half-way
    r = client.post("/api/v1/comments", json={"content": "after the lock"}, headers=headers)
    assert r.status_code == 200 and client.get("/readyz").status_code == 200
