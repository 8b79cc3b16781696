"""What the OpenAPI document says agrees with what the API answers (issue 11, defect 10): error
bodies, timestamps, declared limits, 405 with Allow, the retrain body. Schemathesis runs over the
whole document in test_openapi_conformance.py; these name each disagreement it found."""
from __future__ import annotations

import datetime as dt
import re

import jsonschema
import pytest

from service.accounts import users
from service.store.db import session_scope
from service.store.tables import User


@pytest.fixture
def doc(client) -> dict:
    return client.get("/api/openapi.json").json


def _resolve(doc: dict, node: dict) -> dict:
    while "$ref" in node:
        path = node["$ref"].removeprefix("#/").split("/")
        node = doc
        for part in path:
            node = node[part]
    return node


def _schema_validator(doc: dict, name: str) -> jsonschema.Draft4Validator:
    """A validator of ``components.schemas[name]`` with the document's ``$ref``s resolvable."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def test_every_error_answer_is_documented_as_the_error_body_the_api_sends(doc, client):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            assert "422" not in op["responses"], (method, path)  # validation errors are 400
            for status, response in op["responses"].items():
                if status == "default" or status[0] in "45":
                    content = _resolve(doc, response)["content"]["application/json"]["schema"]
                    assert content == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)
    body = client.post("/api/v1/comments", json={"content": "x"}).json  # 401
    _schema_validator(doc, "ErrorOut").validate(body)
    bad = client.get("/api/v1/comments/" + "0" * 32).json
    _schema_validator(doc, "ErrorOut").validate(bad)


def test_a_405_names_the_allowed_methods(client, auth):
    r = client.delete("/api/v1/comments", headers=auth)
    assert r.status_code == 405
    assert set(r.headers["Allow"].replace(" ", "").split(",")) >= {"POST"}
    assert r.json["error"]["code"] == "method_not_allowed"


def test_timestamps_carry_their_utc_offset_on_every_database(client, auth):
    cid = client.post("/api/v1/comments", json={"content": "Terima kasih atas beritanya"}, headers=auth).json["id"]
    body = client.get(f"/api/v1/comments/{cid}", headers=auth).json
    for value in (body["created_at"], body["updated_at"], body["history"][0]["created_at"]):
        assert dt.datetime.fromisoformat(value).utcoffset() == dt.timedelta(0), value


def test_declared_limits_are_the_enforced_ones(doc, client, auth):
    props = _resolve(doc, doc["paths"]["/api/v1/comments"]["post"]["requestBody"]["content"]["application/json"]
                     ["schema"])["properties"]
    content = props["content"]
    assert content["minLength"] == 1 and content["maxLength"] == 64 * 1024
    pattern = re.compile(content["pattern"])
    for text in ("", "   ", "\u200b\u202e", "a\x00b"):
        assert not pattern.search(text)
        assert client.post("/api/v1/comments", json={"content": text}, headers=auth).status_code == 400
    assert pattern.search(" slot gacor ")
    assert props["user_ip"]["anyOf"] == [{"maxLength": 0}, {"format": "ipv4"}, {"format": "ipv6"}]
    per_page = next(p for p in doc["paths"]["/api/v1/queue/comments"]["get"]["parameters"] if p["name"] == "per_page")
    assert (per_page["schema"]["minimum"], per_page["schema"]["maximum"]) == (1, 200)


def test_retrain_body_is_optional_but_typed(app, doc, make_user):
    post = doc["paths"]["/api/v1/admin/retrain"]["post"]
    assert post["requestBody"].get("required") is not True  # an empty POST means the defaults
    admin_id = make_user("admin@saring.test", "admin")
    with session_scope(app.extensions["saring"].db) as s:
        token = users.create_api_token(s, s.get(User, admin_id))
    r = app.test_client().post("/api/v1/admin/retrain", json={"dry_run": 0},
                               headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 400 and r.json["error"]["field"] == "dry_run", r.json
