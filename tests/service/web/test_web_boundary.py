"""The web boundary (service.app, service.web): every surface registered explicitly, no blueprint
importing another's private helpers, errors rendered per surface, one "run is active" rule."""
from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from service.store.db import session_scope
from service.store.tables import RetrainRun, utcnow

SERVICE = Path(__file__).resolve().parents[3] / "service"
#: Modules holding blueprints (views); each may import only public names of the others.
BLUEPRINT_MODULES = sorted([*SERVICE.glob("api/*.py"), *SERVICE.glob("pages/**/*.py"), SERVICE / "akismet" / "views.py"])


def test_create_app_registers_every_surface(mod_app):
    assert {"health", "comments", "akismet", "moderation", "queue", "admin", "models_page"} <= set(mod_app.blueprints)
    rules = {r.rule for r in mod_app.url_map.iter_rules()}
    assert {"/healthz", "/api/v1/comments/<comment_id:comment_id>", "/1.1/comment-check", "/moderation/",
            "/api/v1/queue/actions", "/api/v1/admin/retrain", "/moderation/models/"} <= rules


def test_no_importlib_loop_in_the_factory():
    source = (SERVICE / "app.py").read_text(encoding="utf-8")
    assert "importlib" not in source and "ModuleNotFoundError" not in source


@pytest.mark.parametrize("path", BLUEPRINT_MODULES, ids=lambda p: str(p.relative_to(SERVICE)))
def test_no_blueprint_imports_private_names(path):
    """A private name (``_x``) is used only in its own module: shared helpers are public in service/web."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    private = [f"{node.module}.{alias.name}" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               for alias in node.names if alias.name.startswith("_") and node.module != "__future__"]
    assert private == []


@pytest.fixture
def admin_page(mod_app, make_site, make_user, sign_in):
    make_site("https://news.example")
    make_user("admin@saring.test", "admin")
    client = mod_app.test_client()
    assert sign_in(client, "admin@saring.test").status_code == 302
    return client


def test_page_errors_are_html_and_api_errors_json(admin_page):
    for url in ("/moderation/models/runs/999", "/moderation/models/reports/999/report.html",
                "/moderation/comments/" + "0" * 32):
        r = admin_page.get(url)
        assert r.status_code == 404 and r.mimetype == "text/html", url
        assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")
    r = admin_page.get("/api/v1/queue/comments/" + "0" * 32)
    assert r.status_code == 404 and r.is_json and r.json["error"]["code"] == "not_found"
    r = admin_page.get("/api/v1/admin/retrain/999")
    assert r.status_code == 404 and r.json["error"]["field"] == "run_id"


def _queued_run(db, started_at: dt.datetime) -> int:
    with session_scope(db) as s:
        run = RetrainRun(status="queued", started_by="test", started_at=started_at, progress={"percent": 0.0})
        s.add(run)
        s.flush()
        return run.id


def test_models_page_shows_the_active_run_by_the_one_rule(mod_app, admin_page):
    """The page used its own rule (any queued/running run among the last ten); a run the retrain
    API no longer counts as under way (started past RUN_STALE_AFTER: its process died) must not
    hide the retrain form."""
    from service.retraining import runs
    from service.retraining.ports import RUN_STALE_AFTER

    db = mod_app.extensions["saring"].db
    stale = _queued_run(db, utcnow() - dt.timedelta(seconds=RUN_STALE_AFTER + 60))
    assert runs.active_run(db) is None
    page = admin_page.get("/moderation/models/").get_data(as_text=True)
    assert "Retrain now" in page and f">{stale}</a> is queued" not in page
    with session_scope(db) as s:
        s.get(RetrainRun, stale).status = "failed"
    fresh = _queued_run(db, utcnow())
    assert runs.active_run(db).id == fresh
    page = admin_page.get("/moderation/models/").get_data(as_text=True)
    assert f">{fresh}</a> is queued" in page and "Retrain now" not in page
