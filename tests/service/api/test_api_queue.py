"""service.api.queue: auth (session + CSRF, admin token, never a site key), listing, actions, errors."""
from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from service.accounts import sites
from service.accounts import users
from service.store.db import session_scope
from service.store.tables import Comment, CommentEvent, User


@pytest.fixture
def setup(mod_app, make_site, make_user, make_comment):
    news = make_site("https://news.example")
    other = make_site("https://other.example")
    make_user("mod@news.example", "moderator", ["https://news.example"])
    admin_id = make_user("admin@saring.test", "admin")
    held = [make_comment(news, content=f"held comment {i}") for i in range(3)]
    foreign = make_comment(other, content="other site comment")
    with session_scope(mod_app.extensions["saring"].db) as s:
        token = users.create_api_token(s, s.get(User, admin_id))
        site_key = sites.create_key(s, "https://news.example").key
    return {"news": news, "other": other, "held": held, "foreign": foreign, "token": token, "site_key": site_key}


@pytest.fixture
def mod_client(mod_app, sign_in, setup):
    client = mod_app.test_client()
    assert sign_in(client, "mod@news.example").status_code == 302
    return client


def csrf_of(client) -> str:
    html = client.get("/moderation/").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def count_events(app, cid, action=None) -> int:
    with app.extensions["saring"].db.session() as s:
        stmt = select(func.count(CommentEvent.id)).where(CommentEvent.comment_id == cid)
        if action:
            stmt = stmt.where(CommentEvent.action == action)
        return s.scalar(stmt)


def status_of(app, cid) -> str:
    with app.extensions["saring"].db.session() as s:
        return s.get(Comment, cid).status


# --------------------------------------------------------------------------- auth


def test_needs_a_session_or_an_admin_token(mod_app, setup):
    client = mod_app.test_client()
    r = client.get("/api/v1/queue/comments")
    assert r.status_code == 401 and "sign in" in r.json["error"]["message"]
    r = client.get("/api/v1/queue/comments", headers={"Authorization": f"Bearer {setup['site_key']}"})
    assert r.status_code == 401 and "not a site key" in r.json["error"]["message"]
    r = client.get("/api/v1/queue/comments", headers={"Authorization": f"Bearer {setup['token']}"})
    assert r.status_code == 200 and r.json["total"] == 4  # an admin sees every site
    # and the admin token is no site key: the comment endpoints refuse it
    r = client.get(f"/api/v1/comments/{setup['held'][0]}", headers={"Authorization": f"Bearer {setup['token']}"})
    assert r.status_code == 401


def test_token_of_a_disabled_admin_stops_working(mod_app, setup):
    with session_scope(mod_app.extensions["saring"].db) as s:
        s.scalar(select(User).where(User.email == "admin@saring.test")).active = False
    r = mod_app.test_client().get("/api/v1/queue/counts", headers={"Authorization": f"Bearer {setup['token']}"})
    assert r.status_code == 401


def test_session_post_needs_csrf_header(mod_app, mod_client, setup):
    cid = setup["held"][0]
    r = mod_client.post("/api/v1/queue/actions", json={"action": "spam", "ids": [cid]})
    assert r.status_code == 400 and r.json["error"]["code"] == "csrf_failed"
    assert "CSRF token is missing" in r.json["error"]["message"]
    assert status_of(mod_app, cid) == "held"
    r = mod_client.post("/api/v1/queue/actions", json={"action": "spam", "ids": [cid]},
                        headers={"X-CSRFToken": csrf_of(mod_client)})
    assert r.status_code == 200 and r.headers["X-CSRFToken"]


def test_stale_csrf_token_from_an_earlier_session(mod_app, mod_client, setup, sign_in):
    old = csrf_of(mod_client)
    token_form = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                           mod_client.get("/moderation/").get_data(as_text=True)).group(1)
    mod_client.post("/moderation/logout", data={"csrf_token": token_form})
    assert sign_in(mod_client, "mod@news.example").status_code == 302
    cid = setup["held"][0]
    r = mod_client.post("/api/v1/queue/actions", json={"action": "spam", "ids": [cid]}, headers={"X-CSRFToken": old})
    assert r.status_code == 400 and "session token is missing" in r.json["error"]["message"]
    assert csrf_of(mod_client) != old  # the new session has its own token now
    r = mod_client.post("/api/v1/queue/actions", json={"action": "spam", "ids": [cid]}, headers={"X-CSRFToken": old})
    assert r.status_code == 400 and r.json["error"]["code"] == "csrf_failed"
    assert "do not match" in r.json["error"]["message"] and "Reload the page" in r.json["error"]["message"]
    assert status_of(mod_app, cid) == "held" and count_events(mod_app, cid) == 1


def test_expired_csrf_token(mod_app, mod_client, setup):
    token = csrf_of(mod_client)
    mod_app.config["WTF_CSRF_TIME_LIMIT"] = 1
    time.sleep(2.1)
    r = mod_client.post("/api/v1/queue/actions", json={"action": "spam", "ids": [setup["held"][0]]},
                        headers={"X-CSRFToken": token})
    assert r.status_code == 400 and "expired" in r.json["error"]["message"]


def test_token_auth_needs_no_csrf(mod_app, setup):
    r = mod_app.test_client().post("/api/v1/queue/actions", json={"action": "reject", "ids": [setup["foreign"]]},
                                   headers={"Authorization": f"Bearer {setup['token']}"})
    assert r.status_code == 200 and r.json["moved"][0]["to_status"] == "rejected"


# --------------------------------------------------------------------------- listing


def test_list_counts_and_filters(mod_client, setup):
    r = mod_client.get("/api/v1/queue/comments?per_page=2&sort=oldest")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    body = r.json
    assert (body["total"], body["pages"], len(body["items"])) == (3, 2, 2)
    item = body["items"][0]
    assert item["id"] == setup["held"][0] and item["revision"] == 1 and item["site"] == "https://news.example"
    assert {"spam_score", "reasons", "author_domain", "label", "user_ip", "permalink"} <= set(item)
    r = mod_client.get("/api/v1/queue/comments?q=comment%201")
    assert [i["content"] for i in r.json["items"]] == ["held comment 1"]
    r = mod_client.get("/api/v1/queue/counts")
    assert r.json == {"counts": {"accepted": 0, "held": 3, "rejected": 0, "spam": 0, "ham": 0}, "total": 3}
    r = mod_client.get("/api/v1/queue/comments?site=https://other.example")
    assert r.status_code == 403
    r = mod_client.get("/api/v1/queue/comments?status=all&site=https://news.example")
    assert r.json["total"] == 3


@pytest.mark.parametrize("query,field", [
    ("status=pending", "status"), ("min_score=2", "min_score"), ("per_page=0", "per_page"),
    ("since=yesterday", "since"), ("sort=random", "sort"), ("stauts=held", "stauts"), ("site=nowhere.example", "site"),
])
def test_bad_query_is_400_naming_the_field(mod_client, query, field):
    r = mod_client.get(f"/api/v1/queue/comments?{query}")
    assert r.status_code in (400, 404), r.json
    assert r.json["error"].get("field") == field, r.json


# --------------------------------------------------------------------------- actions


def test_actions_unknown_and_foreign_ids_change_nothing(mod_app, mod_client, setup):
    token = csrf_of(mod_client)
    ids = setup["held"]
    r = mod_client.post("/api/v1/queue/actions", json={"action": "spam", "ids": ids + ["0" * 32]},
                        headers={"X-CSRFToken": token})
    assert r.status_code == 404 and r.json["error"]["fields"]["missing"] == ["0" * 32]
    assert "nothing was changed" in r.json["error"]["message"]
    r = mod_client.post("/api/v1/queue/actions", json={"action": "spam", "ids": ids + [setup["foreign"]]},
                        headers={"X-CSRFToken": token})
    assert r.status_code == 403
    assert [status_of(mod_app, i) for i in ids + [setup["foreign"]]] == ["held"] * 4
    r = mod_client.get(f"/api/v1/queue/comments/{setup['foreign']}")
    assert r.status_code == 403


A = "a" * 32  # a well-formed id no comment has


@pytest.mark.parametrize("body,field", [
    ({"action": "delete", "ids": [A]}, "action"), ({"action": "spam"}, "ids"), ({"action": "spam", "ids": "abc"}, "ids"),
    ({"action": "spam", "ids": []}, "ids"), ({"action": "spam", "ids": [A], "extra": 1}, "extra"),
    ({"action": "spam", "ids": [A], "expected_revisions": {A: "one"}}, "expected_revisions"),
    ({"action": "spam", "ids": ["\ud800"]}, "ids"), ({"action": "spam", "ids": ["x"]}, "ids"),
    ({"action": "spam", "ids": [A + "0"]}, "ids"), ({"action": "spam", "ids": [A], "expected_revisions": {A: 2**70}},
                                                    "expected_revisions"),
])
def test_bad_action_body_is_400(mod_client, body, field):
    r = mod_client.post("/api/v1/queue/actions", json=body, headers={"X-CSRFToken": csrf_of(mod_client)})
    assert r.status_code == 400 and r.json["error"]["field"] == field, r.json


def test_conflict_and_double_submit(mod_app, mod_client, setup):
    token = csrf_of(mod_client)
    cid = setup["held"][0]
    body = {"action": "spam", "ids": [cid], "expected_revisions": {cid: 1}}
    first = mod_client.post("/api/v1/queue/actions", json=body, headers={"X-CSRFToken": token})
    again = mod_client.post("/api/v1/queue/actions", json=body, headers={"X-CSRFToken": token})
    assert first.status_code == 200 and again.status_code == 409
    conflict = again.json["error"]["fields"]["conflicts"][cid]
    assert conflict["status"] == "spam" and conflict["revision"] == 2 and conflict["by"] == "mod@news.example"
    assert count_events(mod_app, cid, "spam") == 1
    other = mod_client.post("/api/v1/queue/actions", json={"action": "approve", "ids": [cid], "expected_revisions": {cid: 1}},
                            headers={"X-CSRFToken": token})
    assert other.status_code == 409 and status_of(mod_app, cid) == "spam"


def test_undo_and_detail_and_site_view(mod_app, mod_client, setup):
    token = csrf_of(mod_client)
    cid = setup["held"][1]
    mod_client.post("/api/v1/queue/actions", json={"action": "spam", "ids": [cid]}, headers={"X-CSRFToken": token})
    r = mod_client.post(f"/api/v1/queue/comments/{cid}/undo", json={"expected_revision": 2},
                        headers={"X-CSRFToken": token})
    assert r.status_code == 200 and r.json["moved"][0]["to_status"] == "held"
    r = mod_client.post(f"/api/v1/queue/comments/{cid}/undo", json={}, headers={"X-CSRFToken": token})
    assert r.status_code == 409 and "nothing to undo" in r.json["error"]["message"]
    mod_client.post("/api/v1/queue/actions", json={"action": "approve", "ids": [cid], "expected_revisions": {cid: 3}},
                    headers={"X-CSRFToken": token})
    detail = mod_client.get(f"/api/v1/queue/comments/{cid}").json
    assert [(e["action"], e["undone"]) for e in detail["history"]] == [
        ("decide", False), ("spam", True), ("undo", False), ("approve", False)]
    assert detail["label"] == "ham" and detail["status"] == "accepted"
    # the site reads the current status with its own key
    r = mod_app.test_client().get(f"/api/v1/comments/{cid}", headers={"Authorization": f"Bearer {setup['site_key']}"})
    assert r.status_code == 200 and r.json["status"] == "accepted" and r.json["label"] == "ham"


def test_action_enqueues_the_webhook_job(mod_app, setup, make_site, make_comment):
    from rq import Queue

    with session_scope(mod_app.extensions["saring"].db) as s:
        from service.store.tables import Site
        site = s.get(Site, setup["news"])
        site.callback_url, site.callback_secret = "http://127.0.0.1:9/hook", "x" * 32
    cid = setup["held"][2]
    r = mod_app.test_client().post("/api/v1/queue/actions", json={"action": "approve", "ids": [cid]},
                                   headers={"Authorization": f"Bearer {setup['token']}"})
    assert r.status_code == 200 and r.json["webhooks"] == 1
    rt = mod_app.extensions["saring"]
    q = Queue(rt.keys.queue_name, connection=rt.redis)
    assert [j.func_name for j in q.jobs] == ["service.webhooks.outbox.deliver"]


def test_two_moderators_at_once_against_a_live_server(live_server, mod_app, setup, make_user, make_comment):
    """Two signed-in moderators (two HTTP sessions, two threads) post an action on the same comment
    at the same moment, several times: exactly one wins, the other gets 409, one audit event."""
    import threading

    import httpx

    make_user("second@news.example", "moderator", ["https://news.example"])
    sessions = []
    for email in ("mod@news.example", "second@news.example"):
        http = httpx.Client(base_url=live_server, timeout=30)
        page = http.get("/moderation/login").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        assert http.post("/moderation/login", data={"csrf_token": token, "email": email,
                                                    "password": "correct horse battery staple"}).status_code == 302
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', http.get("/moderation/").text).group(1)
        sessions.append((http, csrf))
    for round_ in range(8):
        cid = make_comment(setup["news"], content=f"race {round_}")
        barrier = threading.Barrier(2)
        codes: list[int] = []

        def act(http, csrf, action):
            barrier.wait()
            r = http.post("/api/v1/queue/actions", json={"action": action, "ids": [cid], "expected_revisions": {cid: 1}},
                          headers={"X-CSRFToken": csrf})
            codes.append(r.status_code)

        threads = [threading.Thread(target=act, args=(*sessions[0], "spam")),
                   threading.Thread(target=act, args=(*sessions[1], "approve"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(codes) == [200, 409], (round_, codes)
        assert count_events(mod_app, cid) == 2
    for http, _ in sessions:
        http.close()


def test_openapi_documents_the_queue(mod_app):
    doc = mod_app.test_client().get("/api/openapi.json").json
    assert {"/api/v1/queue/comments", "/api/v1/queue/counts", "/api/v1/queue/actions",
            "/api/v1/queue/comments/{comment_id}", "/api/v1/queue/comments/{comment_id}/undo"} <= set(doc["paths"])
    assert doc["components"]["securitySchemes"]["session"]["in"] == "cookie"


@pytest.mark.parametrize("kw,status,field", [
    ({"data": "action=spam", "content_type": "text/plain"}, 415, "Content-Type"),
    ({"data": "{not json", "content_type": "application/json"}, 400, "body"),
    ({"data": "[1, 2]", "content_type": "application/json"}, 400, "body"),
    ({"data": b"\xff\xfe", "content_type": "application/json"}, 400, "body"),
])
def test_action_body_that_is_not_a_json_object(mod_client, kw, status, field):
    r = mod_client.post("/api/v1/queue/actions", headers={"X-CSRFToken": csrf_of(mod_client)}, **kw)
    assert r.status_code == status and r.json["error"]["field"] == field, r.json


def test_undo_without_a_body_and_of_an_unknown_comment(mod_client, setup):
    token = csrf_of(mod_client)
    r = mod_client.post("/api/v1/queue/comments/" + "0" * 32 + "/undo", headers={"X-CSRFToken": token})
    assert r.status_code == 404 and r.json["error"]["field"] == "id"
    cid = setup["held"][0]
    mod_client.post("/api/v1/queue/actions", json={"action": "reject", "ids": [cid]}, headers={"X-CSRFToken": token})
    r = mod_client.post(f"/api/v1/queue/comments/{cid}/undo", headers={"X-CSRFToken": token})
    assert r.status_code == 200 and r.json["moved"][0]["to_status"] == "held"


# --------------------------------------------------------------------------- bad parameters (adversarial report)


@pytest.mark.parametrize("path", ["/api/v1/queue/comments", "/api/v1/queue/counts"])
@pytest.mark.parametrize("site", ["%C2%B2", "99999999999999999999", "2147483647", "2147483648", "http://%5B::1",
                                  "https://news.example:99999", "nowhere"])
def test_bad_site_filter_is_404_naming_site(mod_client, path, site):
    """A value no site can have is looked up like an unknown site: 404 (the OpenAPI document's
    ``site`` is any string: a 400 would be a schema-valid request refused)."""
    status = 404
    r = mod_client.get(f"{path}?site={site}")
    assert r.status_code == status and r.json["error"]["field"] == "site", r.json


@pytest.mark.parametrize("query,field", [
    ("page=99999999999999999999", "page"), ("page=9223372036854775807", "page"), ("page=%C2%B2", "page"),
    ("per_page=-1", "per_page"), ("q=%00", "q"), ("q=a%01b", "q"),
    ("since=0001-01-01T00:00:00%2B14:00", "since"), ("until=9999-12-31T23:59:59-14:00", "until"),
])
def test_bad_listing_parameter_is_400_naming_it(mod_client, query, field):
    r = mod_client.get(f"/api/v1/queue/comments?{query}")
    assert r.status_code == 400 and r.json["error"]["field"] == field, r.json


def test_last_allowed_page_is_empty_not_an_error(mod_client, setup):
    r = mod_client.get("/api/v1/queue/comments?page=1000000")
    assert r.status_code == 200 and r.json["items"] == [] and r.json["total"] == 3


@pytest.mark.parametrize("bad", ["%ED%A0%80", "x", "a" * 33, "%00" * 32, "g" * 32])
def test_malformed_comment_id_in_path_is_404(mod_client, bad):
    assert mod_client.get(f"/api/v1/queue/comments/{bad}").status_code == 404
    r = mod_client.post(f"/api/v1/queue/comments/{bad}/undo", json={}, headers={"X-CSRFToken": csrf_of(mod_client)})
    assert r.status_code == 404


def test_comment_id_case_is_folded(mod_client, setup):
    cid = setup["held"][0]
    r = mod_client.get(f"/api/v1/queue/comments/{cid.upper()}")
    assert r.status_code == 200 and r.json["id"] == cid
    r = mod_client.post("/api/v1/queue/actions", json={"action": "spam", "ids": [f" {cid.upper()} "],
                                                       "expected_revisions": {cid.upper(): 1}},
                        headers={"X-CSRFToken": csrf_of(mod_client)})
    assert r.status_code == 200 and r.json["moved"][0]["id"] == cid


def test_a_copied_cookie_stops_working_after_sign_out(mod_app, mod_client, setup):
    cookie = mod_client.get_cookie("session").value
    token = csrf_of(mod_client)
    thief = mod_app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/api/v1/queue/comments").status_code == 200
    r = mod_client.post("/moderation/logout", data={"csrf_token": token})
    assert r.status_code == 302
    assert thief.get("/api/v1/queue/comments").status_code == 401
    cid = setup["held"][0]
    r = thief.post("/api/v1/queue/actions", json={"action": "approve", "ids": [cid]}, headers={"X-CSRFToken": token})
    assert r.status_code == 401 and status_of(mod_app, cid) == "held"
    assert thief.get("/moderation/").status_code == 302


def test_undo_errors_name_the_undo_fields(mod_client, setup):
    token = csrf_of(mod_client)
    cid = setup["held"][1]
    mod_client.post("/api/v1/queue/actions", json={"action": "spam", "ids": [cid]}, headers={"X-CSRFToken": token})
    r = mod_client.post(f"/api/v1/queue/comments/{cid}/undo", json={"expected_revision": 99999999999999999999},
                        headers={"X-CSRFToken": token})
    assert r.status_code == 400 and r.json["error"]["field"] == "expected_revision"
    r = mod_client.post(f"/api/v1/queue/comments/{cid}/undo", json={"expected_revision": 1},
                        headers={"X-CSRFToken": token})
    assert r.status_code == 409 and r.json["error"]["field"] == "expected_revision"
