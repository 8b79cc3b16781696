"""service.api.admin + service.retraining.jobs + service.pages.models: a retrain started from the API or
the web page runs as an RQ job with visible progress and a report; auth; errors; rollback."""
from __future__ import annotations

import re
import time

import pytest
from rq import SimpleWorker

from models.artifact import dumps, loads
from service.serving import versions as model_versions
from service.accounts import users
from service.infra.jobs import JobQueue
from service.infra.redis_conn import connect
from service.store.db import session_scope
from service.store.tables import RetrainRun, User
from training.data import default_data_dir


@pytest.fixture
def admin(app, make_user, make_site):
    make_site("https://news.example")
    make_user("mod@news.example", "moderator", ["https://news.example"])
    uid = make_user("admin@saring.test", "admin")
    with session_scope(app.extensions["saring"].db) as s:
        token = users.create_api_token(s, s.get(User, uid))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def worker_env(test_config, monkeypatch):
    """The environment ``saring worker`` would run the job with: the test database and Redis,
    quick retrain settings."""
    monkeypatch.setenv("DATABASE_URL", test_config["database_url"])
    monkeypatch.setenv("REDIS_URL", test_config["redis_url"])
    monkeypatch.setenv("SARING_REDIS_PREFIX", test_config["redis_prefix"])
    monkeypatch.setenv("SARING_HOME", str(test_config["home"]))
    data = default_data_dir()
    if not data.is_dir():
        pytest.skip(f"data sets not found at {data}; set SARING_DATA_DIR")
    monkeypatch.setenv("SARING_DATA_DIR", str(data.resolve()))
    monkeypatch.setenv("SARING_RETRAIN_QUICK", "1")
    return test_config


def _work(app) -> None:
    rt = app.extensions["saring"]
    SimpleWorker([rt.keys.queue_name], connection=connect(rt.redis_url)).work(burst=True, with_scheduler=False)


def test_needs_an_admin(app, client, admin, sign_in):
    assert client.post("/api/v1/admin/retrain", json={}).status_code == 401
    assert client.get("/api/v1/admin/retrain/1").status_code == 401
    mod = app.test_client()
    sign_in(mod, "mod@news.example")
    r = mod.get("/api/v1/admin/retrain")
    assert r.status_code == 403 and "only admins" in r.json["error"]["message"]
    site_key = {"Authorization": "Bearer 0123456789ab"}
    assert client.get("/api/v1/admin/models", headers=site_key).status_code == 401


@pytest.mark.parametrize("body, field", [({"force": "maybe"}, "force"), ({"since": "last week"}, "since"),
                                         ({"quick": True}, "quick")])
def test_bad_input_names_the_field_and_starts_nothing(client, admin, body, field, app):
    r = client.post("/api/v1/admin/retrain", json=body, headers=admin)
    assert r.status_code == 400 and r.json["error"]["field"] == field, r.json
    with session_scope(app.extensions["saring"].db) as s:
        assert s.query(RetrainRun).count() == 0


def test_background_retrain_runs_as_rq_job_with_progress_and_report(app, client, admin, worker_env, sign_in):
    r = client.post("/api/v1/admin/retrain", json={"dry_run": True}, headers=admin)
    assert r.status_code == 202, r.json
    run = r.json
    assert run["status"] == "queued" and run["started_by"] == "admin:admin@saring.test"
    again = client.post("/api/v1/admin/retrain", json={}, headers=admin)
    assert again.status_code == 409 and again.json["error"]["fields"]["run_id"] == run["id"]

    t0 = time.monotonic()
    _work(app)
    print(f"background dry-run retrain took {time.monotonic() - t0:.1f} s")
    done = client.get(f"/api/v1/admin/retrain/{run['id']}", headers=admin).json
    assert done["status"] == "dry-run", done["summary"].get("error")
    assert done["progress"]["percent"] == 100.0 and done["finished_at"]
    stages = [d["stage"] for d in done["progress"]["done"]]
    assert stages[:2] == ["gather feedback", "load base data"] and "report" in stages
    assert done["summary"]["gate"]["failed"]  # no labels yet: nothing new to learn (a dry run still runs it all)
    assert done["report_url"] == f"/moderation/models/reports/{run['id']}/report.html"
    listing = client.get("/api/v1/admin/retrain", headers=admin).json["items"]
    assert [i["id"] for i in listing] == [run["id"]]

    # the report is served to signed-in moderators, never to anonymous visitors
    anon = app.test_client()
    assert anon.get(done["report_url"]).status_code == 302
    mod = app.test_client()
    sign_in(mod, "mod@news.example")
    page = mod.get(done["report_url"])
    assert page.status_code == 200 and b"Retrain run" in page.data
    assert "script-src" not in page.headers["Content-Security-Policy"]
    png = mod.get(f"/moderation/models/reports/{run['id']}/roc.png")
    assert png.status_code == 200 and png.data[:4] == b"\x89PNG"
    assert mod.get(f"/moderation/models/reports/{run['id']}/model.skops").status_code == 404
    assert mod.get(f"/moderation/models/reports/{run['id']}/..%2F..%2Fsecret_key").status_code == 404
    run_page = mod.get(f"/moderation/models/runs/{run['id']}").get_data(as_text=True)
    assert "dry-run" in run_page and "report.html" in run_page and "http-equiv" not in run_page


def test_queue_unreachable_is_a_clear_503(app, client, admin):
    rt = app.extensions["saring"]
    app.extensions["saring_jobs"] = JobQueue(connect("redis://127.0.0.1:1/0"), rt.keys)
    r = client.post("/api/v1/admin/retrain", json={}, headers=admin)
    assert r.status_code == 503 and "not started" in r.json["error"]["message"]
    with session_scope(rt.db) as s:
        (run,) = s.query(RetrainRun).all()
        assert run.status == "failed" and "unreachable" in run.summary["error"]
    # a failed run does not block the next one
    app.extensions["saring_jobs"] = JobQueue(rt.redis, rt.keys)
    assert client.post("/api/v1/admin/retrain", json={"dry_run": True}, headers=admin).status_code == 202


def test_models_page_links_the_report_and_only_admins_get_the_button(app, admin, sign_in):
    mod = app.test_client()
    sign_in(mod, "mod@news.example")
    html = mod.get("/moderation/models/").get_data(as_text=True)
    current = app.extensions["saring"].holder.classifier.version
    assert current in html and "Model card of the shipped model" in html and "Retrain now" not in html
    assert 'href="/moderation/models/"' in mod.get("/moderation/").get_data(as_text=True)  # nav link
    card = mod.get("/moderation/models/card")
    assert card.status_code == 200 and b"model card" in card.data
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    assert mod.post("/moderation/models/retrain", data={"csrf_token": token}).status_code == 403

    boss = app.test_client()
    sign_in(boss, "admin@saring.test")
    page = boss.get("/moderation/models/").get_data(as_text=True)
    assert "Retrain now" in page
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert boss.post("/moderation/models/retrain", data={"dry_run": "on"}).status_code == 400  # no CSRF token
    r = boss.post("/moderation/models/retrain", data={"csrf_token": token, "dry_run": "on", "since": "2026-01-01"})
    assert r.status_code == 302 and "/moderation/models/runs/" in r.headers["Location"]
    running = boss.get(r.headers["Location"]).get_data(as_text=True)
    assert "queued" in running and 'http-equiv="refresh"' in running and "<progress" in running


def test_rollback_through_the_api(app, client, admin):
    rt = app.extensions["saring"]
    old = rt.holder.classifier
    meta = {**old.metadata, "trained_at": "2026-12-02T00:00:00+00:00", "note": f"rollback test {time.time()}"}
    blob = dumps(old.pipeline, {k: v for k, v in meta.items() if k not in ("version", "sha256")})
    new = loads(blob).version
    model_versions.publish(rt.db, rt.registry, new, blob, loads(blob).metadata, published_by="test")
    assert rt.holder.wait_for(new, 5.0)
    listing = client.get("/api/v1/admin/models", headers=admin).json
    assert listing["current_in_redis"] == new and {i["version"] for i in listing["items"]} >= {new, old.version}
    r = client.post(f"/api/v1/admin/models/{old.version}/rollback", headers=admin)
    assert r.status_code == 200 and r.json["is_current"] is True
    assert rt.holder.wait_for(old.version, 5.0)
    assert client.post("/api/v1/admin/models/nope/rollback", headers=admin).status_code == 404


@pytest.mark.parametrize("run_id", ["99999999999999999999", "9223372036854775808", "2147483648", "%C2%B2", "0"])
def test_retrain_run_id_past_the_database_range_is_404(app, client, admin, sign_in, run_id):
    assert client.get(f"/api/v1/admin/retrain/{run_id}", headers=admin).status_code == 404
    page = app.test_client()
    sign_in(page, "admin@saring.test")
    assert page.get(f"/moderation/models/runs/{run_id}").status_code == 404
    assert page.get(f"/moderation/models/reports/{run_id}/report.html").status_code == 404


def test_retrain_body_must_be_json_or_nothing_is_queued(app, client, admin):
    """A body not sent as JSON was read as empty: a non-dry run with default options was queued."""
    r = client.post("/api/v1/admin/retrain", headers={**admin, "Content-Type": "text/plain"},
                    data='{"dry_run": true, "since": "zz"}')
    assert r.status_code == 415 and r.json["error"]["field"] == "Content-Type"
    deep = '{"dry_run": ' + "[" * 100_000 + "]" * 100_000 + "}"
    r = client.post("/api/v1/admin/retrain", headers={**admin, "Content-Type": "application/json"}, data=deep)
    assert r.status_code == 400 and r.json["error"]["field"] == "body"
    r = client.post("/api/v1/admin/retrain", headers={**admin, "Content-Type": "application/json"}, data='{"dry_run":')
    assert r.status_code == 400 and r.json["error"]["field"] == "body"
    with session_scope(app.extensions["saring"].db) as s:
        assert s.query(RetrainRun).count() == 0


def test_run_list_limit_takes_ascii_digits_only(client, admin):
    assert client.get("/api/v1/admin/retrain?limit=\u0663", headers=admin).status_code == 400
    assert client.get("/api/v1/admin/retrain?limit=3", headers=admin).status_code == 200
