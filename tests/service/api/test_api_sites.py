"""Admin API for site learning: /api/v1/admin/sites (lists, shadow mode, languages, settings)."""
from __future__ import annotations

import pytest

from service.accounts import users
from service.store.db import session_scope


@pytest.fixture
def tokens(mod_app, make_site, make_user):
    site_id = make_site("https://news.example")
    make_user("admin@example.com", role="admin")
    out = {"site_id": site_id}
    with session_scope(mod_app.extensions["saring"].db) as s:
        out["admin"] = {"Authorization": "Bearer " + users.create_api_token(s, users.get_user(s, "admin@example.com"))}
    return out


def test_admin_adds_lists_and_removes_entries(mod_app, tokens):
    c, h, sid = mod_app.test_client(), tokens["admin"], tokens["site_id"]
    r = c.post(f"/api/v1/admin/sites/{sid}/lists", headers=h, json={"kind": "domain", "value": "Casino.Example",
                                                                     "action": "reject", "note": "gambling"})
    assert r.status_code == 201 and r.json["value"] == "casino.example" and r.json["created_by"] == "admin@example.com"
    assert [e["id"] for e in c.get(f"/api/v1/admin/sites/{sid}/lists", headers=h).json["items"]] == [r.json["id"]]
    assert c.delete(f"/api/v1/admin/sites/{sid}/lists/{r.json['id']}", headers=h).status_code == 204
    assert c.get(f"/api/v1/admin/sites/{sid}/lists", headers=h).json["items"] == []
    assert c.delete(f"/api/v1/admin/sites/{sid}/lists/{r.json['id']}", headers=h).status_code == 404


def test_bad_entries_are_400_naming_the_field_and_store_nothing(mod_app, tokens):
    c, h, sid = mod_app.test_client(), tokens["admin"], tokens["site_id"]
    for body, field in [({"kind": "ip", "value": "999.1", "action": "hold"}, "value"),
                        ({"kind": "colour", "value": "x", "action": "hold"}, "kind"),
                        ({"kind": "word", "value": "x", "action": "delete"}, "action")]:
        r = c.post(f"/api/v1/admin/sites/{sid}/lists", headers=h, json=body)
        assert r.status_code == 400 and field in str(r.json["error"]), r.json
    assert c.get(f"/api/v1/admin/sites/{sid}/lists", headers=h).json["items"] == []


def test_learning_settings_patch(mod_app, tokens):
    c, h, sid = mod_app.test_client(), tokens["admin"], tokens["site_id"]
    r = c.patch(f"/api/v1/admin/sites/{sid}/learning", headers=h,
                json={"shadow_mode": True, "languages": ["id", "en"], "settings": {"trust_min_approvals": 4}})
    assert r.status_code == 200 and r.json["shadow_mode"] and r.json["languages"] == ["id", "en"]
    assert r.json["overrides"] == {"trust_min_approvals": 4} and r.json["settings"]["trust_min_approvals"] == 4
    bad = c.patch(f"/api/v1/admin/sites/{sid}/learning", headers=h, json={"settings": {"nope": 1}})
    assert bad.status_code == 400
    bad = c.patch(f"/api/v1/admin/sites/{sid}/learning", headers=h, json={"shadow_mode": False, "languages": ["english"]})
    assert bad.status_code == 400
    assert c.get(f"/api/v1/admin/sites/{sid}/learning", headers=h).json["shadow_mode"] is True  # nothing half-stored
    assert c.get("/api/v1/admin/sites/999/learning", headers=h).status_code == 404


def test_without_an_admin_credential_nothing_is_reachable(mod_app, tokens):
    c, sid = mod_app.test_client(), tokens["site_id"]
    assert c.get(f"/api/v1/admin/sites/{sid}/lists").status_code == 401
    r = c.post(f"/api/v1/admin/sites/{sid}/lists", headers={"Authorization": "Bearer srt_wrong"},
               json={"kind": "word", "value": "x", "action": "hold"})
    assert r.status_code == 401
