"""service.api.timestamps: every datetime of the JSON API is ISO 8601 in UTC with its offset
(``+00:00``, as the webhooks' ``occurred_at``), on SQLite (which keeps no offset) as on PostgreSQL."""
from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import re

import pytest
from marshmallow import Schema, fields

import service.api
from service.accounts import sites, users
from service.api.schemas import EventOut
from service.api.timestamps import Timestamp
from service.store.db import session_scope
from service.store.tables import Comment, ListEntry, ModelVersion, RetrainRun, User

#: What an API timestamp looks like: date, time, optional fraction, and the UTC offset.
UTC_ISO = re.compile(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00\Z")


def _api_schemas() -> list[type[Schema]]:
    found = []
    for info in pkgutil.iter_modules(service.api.__path__, "service.api."):
        module = importlib.import_module(info.name)
        found += [obj for _name, obj in inspect.getmembers(module, inspect.isclass)
                  if issubclass(obj, Schema) and obj.__module__ == module.__name__]
    return found


def test_every_datetime_field_of_the_api_is_a_timestamp():
    schemas = _api_schemas()
    assert len(schemas) > 10  # the walk found the schemas
    datetime_fields = [(s.__name__, name, f) for s in schemas for name, f in s._declared_fields.items()
                       if isinstance(f, fields.DateTime)]
    assert len(datetime_fields) >= 8
    assert [(s, n) for s, n, f in datetime_fields if not isinstance(f, Timestamp)] == []


@pytest.mark.parametrize("value", [
    dt.datetime(2026, 11, 29, 12, 3, 10),  # naive: an object built in memory, a row of an older schema
    dt.datetime(2026, 11, 29, 12, 3, 10, tzinfo=dt.timezone.utc),
    dt.datetime(2026, 11, 29, 19, 3, 10, tzinfo=dt.timezone(dt.timedelta(hours=7))),  # PostgreSQL in Asia/Jakarta
])
def test_a_timestamp_is_dumped_in_utc_with_its_offset(value):
    out = EventOut().dump({"action": "decide", "created_at": value})
    assert out["created_at"] == "2026-11-29T12:03:10+00:00"


def _timestamps(value, path: str = "") -> dict[str, object]:
    """Every ``*_at`` value in a JSON document, by its path."""
    out: dict[str, object] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            if k.endswith("_at") and not isinstance(v, (dict, list)):
                out[f"{path}.{k}"] = v
            out.update(_timestamps(v, f"{path}.{k}"))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.update(_timestamps(v, f"{path}[{i}]"))
    return out


@pytest.fixture
def world(mod_app, make_comment, make_user):
    db = mod_app.extensions["saring"].db
    with session_scope(db) as s:
        new = sites.create_key(s, "https://news.example")
        key, site_id = new.key, new.site_id
    cid = make_comment(site_id, content="Kunjungi situs slot gacor hari ini")
    uid = make_user("admin@saring.test", "admin")
    with session_scope(db) as s:
        token = users.create_api_token(s, s.get(User, uid))
        s.add(ListEntry(site_id=site_id, kind="domain", value="gacor.example", action="reject"))
        s.add(RetrainRun(status="refused", started_by="test", finished_at=dt.datetime.now(dt.timezone.utc),
                         progress={"updated_at": "2026-11-29T12:03:10+00:00"}))
        s.add(ModelVersion(version="20261129-000000000000", sha256="0" * 64, artifact=b"", meta={},
                           published_by="test"))
    if db.is_sqlite:
        # a row as SQLite keeps it (no offset), written the way an older release did
        with db.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE comments SET updated_at = '2026-11-29 12:03:10.000000' WHERE id = ?", (cid,))
    return {"key": key, "site_id": site_id, "comment": cid, "admin": {"Authorization": f"Bearer {token}"}}


def test_every_timestamp_the_api_sends_has_the_utc_offset(mod_app, world):
    client = mod_app.test_client()
    admin, cid, site_id = world["admin"], world["comment"], world["site_id"]
    answers = {
        "comment": client.get(f"/api/v1/comments/{cid}", headers={"Authorization": f"Bearer {world['key']}"}),
        "queue listing": client.get("/api/v1/queue/comments", headers=admin),
        "queue comment": client.get(f"/api/v1/queue/comments/{cid}", headers=admin),
        "retrain runs": client.get("/api/v1/admin/retrain", headers=admin),
        "models": client.get("/api/v1/admin/models", headers=admin),
        "list entries": client.get(f"/api/v1/admin/sites/{site_id}/lists", headers=admin),
    }
    seen: dict[str, object] = {}
    for name, r in answers.items():
        assert r.status_code == 200, (name, r.json)
        stamps = _timestamps(r.json)
        assert stamps, f"{name}: no timestamp in {r.json}"
        seen.update({f"{name}{path}": v for path, v in stamps.items()})
    bad = {path: v for path, v in seen.items() if v is not None and not UTC_ISO.match(str(v))}
    assert bad == {}
    assert {"comment.created_at", "comment.updated_at", "comment.history[0].created_at",
            "retrain runs.items[0].started_at", "retrain runs.items[0].finished_at",
            "models.items[0].published_at", "list entries.items[0].created_at"} <= set(seen)
    with session_scope(mod_app.extensions["saring"].db) as s:
        stored = s.get(Comment, cid).updated_at
    assert stored.tzinfo is not None
    assert seen["comment.updated_at"] == stored.astimezone(dt.timezone.utc).isoformat()
