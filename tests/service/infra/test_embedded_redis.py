"""service.infra.redis_conn: the embedded Redis is supervised and stopped by its last user
(issue 11, defect 6)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil

from service.infra import redis_conn

USER = textwrap.dedent("""
    import sys, time, logging, os
    logging.basicConfig(level=logging.DEBUG if os.environ.get("EMB_DEBUG") else logging.WARNING, format="%(process)d %(name)s %(message)s")
    from pathlib import Path
    from service.infra.redis_conn import connect, embedded_url
    home = Path(sys.argv[1]); name = sys.argv[2]
    clients = [connect(embedded_url(home)) for _ in range(3)]
    pipes = [c.connection_pool.get_connection() for c in clients for _ in range(2)]  # several connections
    for c, p in zip(clients * 2, pipes):
        c.connection_pool.release(p)
    clients[0].set(name, b"here")
    (home / f"{name}.ready").write_text("1")
    while not (home / f"{name}.stop").exists():
        time.sleep(0.05)
""")


def _server_pid(home: Path) -> int:
    settings = json.loads((home / "redis.db.settings").read_text())
    return int(Path(settings["pidfile"]).read_text())


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _start(home: Path, name: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", USER, str(home), name])
    assert _wait(lambda: (home / f"{name}.ready").exists(), 30), f"{name} did not start"
    return proc


def test_the_last_process_using_the_embedded_redis_stops_it(tmp_path):
    """`./dev serve` stopped while `saring worker` runs left redis-server behind (parent 1)."""
    serve = _start(tmp_path, "serve")
    pid = _server_pid(tmp_path)
    worker = _start(tmp_path, "worker")
    assert _server_pid(tmp_path) == pid  # the worker attached to the same server
    (tmp_path / "serve.stop").write_text("1")
    assert serve.wait(20) == 0
    time.sleep(0.5)
    assert psutil.pid_exists(pid), "stopped while the worker still used it"
    (tmp_path / "worker.stop").write_text("1")
    assert worker.wait(20) == 0
    assert _wait(lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE, 15), \
        "redis-server outlived its last user"


def test_a_dead_embedded_redis_is_started_again_on_the_same_socket(tmp_path):
    url = redis_conn.embedded_url(tmp_path)
    client = redis_conn.connect(url)
    dbfile = str(tmp_path / "redis.db")
    old = redis_conn._embedded[dbfile].pid
    os.kill(old, signal.SIGKILL)
    assert _wait(lambda: redis_conn._answers(url[len("unix://"):]), redis_conn.SUPERVISE_SECONDS * 4)
    assert redis_conn._embedded[dbfile].pid != old
    assert _wait(lambda: _ping(client), 12)  # the old client reconnects (after its breaker's pause)
    new = redis_conn._embedded[dbfile].pid
    redis_conn._release_at_exit(dbfile)  # what exit does: the last user stops it, and stops supervising
    assert _wait(lambda: not psutil.pid_exists(new), 10)
    time.sleep(redis_conn.SUPERVISE_SECONDS * 1.5)
    assert not redis_conn._answers(url[len("unix://"):])  # not started again once released


def _ping(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001
        return False
