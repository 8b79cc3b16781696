"""Slowing down password guessing on the moderators' sign-in (Redis counters, in-process fallback).

Sign-in attempts are counted per e-mail and per client IP over ``LOGIN_FAILURE_WINDOW`` seconds,
*before* the password is checked, with one atomic ``INCR`` per identity (:meth:`LoginThrottle.attempt`):
the attempt past ``MAX_FAILURES`` is refused until the window ends, however many arrive at once (a
read-then-count check let 17 of 40 concurrent guesses through a limit of 10). A good sign-in takes
its own attempt back (:meth:`LoginThrottle.succeeded`: the e-mail's count is cleared, the IP's
lowered by one), so only failures add up. The counts shared by every
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
    """Sign-in attempts counted in this process: identity → (count, end of its window on
    ``time.monotonic``). Thread-safe; at most ``max_identities`` entries, each kept for
    ``window`` seconds after its first attempt."""

    def __init__(self, window: int = LOGIN_FAILURE_WINDOW, max_identities: int = LOCAL_MAX_IDENTITIES) -> None:
        self.window = window
        self._counts: TTLCache = TTLCache(maxsize=max_identities, ttl=window, timer=time.monotonic)
        self._lock = threading.Lock()

    def attempt(self, ident: str, max_failures: int) -> int:
        """Count one attempt of ``ident``; seconds left in its window when this attempt is past
        ``max_failures``, else 0."""
        now = time.monotonic()
        with self._lock:
            count, ends = self._counts.get(ident, (0, 0.0))
            if ends <= now:
                count, ends = 0, now + self.window
            self._counts[ident] = (count + 1, ends)
        return max(1, int(ends - now)) if count + 1 > max_failures else 0

    def give_back(self, ident: str) -> None:
        """Take one counted attempt of ``ident`` back (it succeeded)."""
        with self._lock:
            if ident in self._counts:
                count, ends = self._counts[ident]
                self._counts[ident] = (max(0, count - 1), ends)

    def forget(self, ident: str) -> None:
        with self._lock:
            self._counts.pop(ident, None)


_DECR_IF_EXISTS = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end return 0"


def _identities(email: str, ip: str) -> list[str]:
    out = [f"email:{email.strip().lower()}"]
    if ip:
        out.append(f"ip:{ip}")
    return [hashlib.sha256(i.encode("utf-8", "surrogatepass")).hexdigest()[:32] for i in out]


class LoginThrottle:
    """Counters of sign-in attempts (a good one is taken back).

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

    def _local_attempt(self, email: str, ip: str) -> int:
        return max(self.local.attempt(ident, self.max_failures) for ident in _identities(email, ip))

    def attempt(self, email: str, ip: str) -> int:
        """Count this sign-in attempt (before its password is checked); seconds until this e-mail /
        IP may try again when it is past the limit, else 0. Atomic in Redis (``SET NX EX`` +
        ``INCR`` in one transaction per identity); while Redis is unreachable this process's own
        counts decide."""
        local = self._local_attempt(email, ip)  # this process's counts, always kept
        counted = self._count_attempt(email, ip)
        return local if counted is None else counted

    @fail_open("login_throttle", skipped="sign-in throttle uses this process's counts")
    def _count_attempt(self, email: str, ip: str) -> int | None:
        idents = _identities(email, ip)
        pipe = self.client.pipeline(transaction=True)
        for ident in idents:
            key = self.keys.login_failures(ident)
            pipe.set(key, 0, ex=LOGIN_FAILURE_WINDOW, nx=True)  # the window starts with the first attempt
            pipe.incr(key)
            pipe.ttl(key)
        out = pipe.execute()
        wait = 0
        for i in range(len(idents)):
            count, ttl = int(out[3 * i + 1]), int(out[3 * i + 2])
            if count > self.max_failures:
                wait = max(wait, ttl, 1)
        return wait

    def succeeded(self, email: str, ip: str = "") -> None:
        """After a good sign-in: forget the e-mail's attempts, and take this attempt back from the
        IP's count (its failures stay)."""
        idents = _identities(email, ip)
        self.local.forget(idents[0])
        if len(idents) > 1:
            self.local.give_back(idents[1])
        self._reset(idents)

    @fail_open("login_throttle", skipped="sign-in failures not reset")
    def _reset(self, idents: list[str]) -> None:
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(self.keys.login_failures(idents[0]))
        if len(idents) > 1:  # lower the IP's count only while its window lasts (DECR would make a key)
            pipe.eval(_DECR_IF_EXISTS, 1, self.keys.login_failures(idents[1]))
        pipe.execute()
