"""Fixtures of the Akismet compatibility tests: keys, a live gunicorn server, the Python client driver.

* ``k1``: a valid 12-character key for ``BLOG``; ``KX``: a key that was never issued.
* ``live_server`` (per module): gunicorn on 127.0.0.1 (free port) serving the app wrapped in
  ``recording_app.RecordingMiddleware``, on the test database and Redis with its own key prefix.
* ``driver``: runs the real ``akismet`` client, ``sync`` (SyncClient through an httpx transport that
  rewrites the URL to the in-process app) or ``async`` (AsyncClient through a rewriting transport to
  the live server); both record what the server received.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest

from service.accounts import sites
from service.infra.redis_conn import connect
from service.store.db import session_scope

from akismet_support import BLOG, HERE, REPO_ROOT, START_TIMEOUT, Driver, LiveServer, free_port

@pytest.fixture
def k1(clean_db) -> str:
    """A valid key for ``BLOG`` (deleted with the test's rows)."""
    with session_scope(clean_db) as s:
        return sites.create_key(s, BLOG).key


@pytest.fixture(scope="module")
def live_server(database, redis_url, tmp_path_factory):
    """gunicorn (1 worker, 4 threads) on a free port; stopped at the end of the module."""
    home = tmp_path_factory.mktemp("live-home")
    record = home / "requests.jsonl"
    prefix = f"saring-live-{uuid.uuid4().hex[:10]}"
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database.url, "REDIS_URL": redis_url, "SARING_REDIS_PREFIX": prefix,
           "SARING_HOME": str(home), "SARING_TEST_RECORD": str(record), "SARING_LOG_LEVEL": "WARNING"}
    log_path = home / "gunicorn.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
             "--worker-class", "gthread", "--timeout", "60", "--pythonpath", str(HERE), "--chdir", str(REPO_ROOT),
             "recording_app:app"],
            env=env, stdout=log, stderr=subprocess.STDOUT)
    server = LiveServer(port, record, prefix)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"gunicorn exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                if server.raw("GET", "/healthz", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer /healthz in {START_TIMEOUT} s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        client = connect(redis_url)
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            client.delete(key)
        client.close()


@pytest.fixture(params=["sync", "async"])
def driver(request, k1) -> Driver:
    """The Python client, sync through the in-process app and async through the live server."""
    if request.param == "sync":
        return Driver("sync", app=request.getfixturevalue("app"))
    server = request.getfixturevalue("live_server")
    server.clear()
    return Driver("async", server=server)


@pytest.fixture
def other_key(clean_db) -> str:
    """A valid key for another site, ``OTHER_BLOG`` (deleted with the test's rows)."""
    from akismet_support import OTHER_BLOG

    with session_scope(clean_db) as s:
        return sites.create_key(s, OTHER_BLOG).key
