"""Signals kept in Redis that the policy adds to the classifier's score. Every lookup fails open:
a Redis error is logged and counted (``saring_redis_errors_total``) and the comment is decided on
its score alone, never failed.
"""
from __future__ import annotations

import hashlib
import logging

import redis

from service.infra.fail_open import fail_open
from service.checking.near_duplicates import NearDuplicate, NearDuplicateMemory
from service.infra.redis_keys import VELOCITY_WINDOW, RedisKeys

log = logging.getLogger(__name__)


class SignalSource:
    """Redis-backed signals.

    Args:
        client: Redis client (may be unreachable: every method fails open).
        keys: key names.
    """

    def __init__(self, client: redis.Redis, keys: RedisKeys) -> None:
        self.client = client
        self.keys = keys
        self._near_dups = NearDuplicateMemory(client, keys)

    @property
    def near_dups(self) -> NearDuplicateMemory:
        """The memory of comments labelled spam, per site (``service.checking.near_duplicates``), on this
        source's Redis client."""
        self._near_dups.client = self.client
        return self._near_dups

    def near_duplicate(self, site_id: int, content: str) -> NearDuplicate | None:
        """The comment of ``site_id`` labelled spam in the last days that ``content`` nearly
        duplicates, or ``None`` (also when Redis is unreachable)."""
        return self.near_dups.lookup(site_id, content)

    def repeats(self, site_id: int, content: str, user_ip: str) -> int:
        """How many times (this one included) ``content`` came from ``user_ip`` to this site in the
        last ``VELOCITY_WINDOW`` seconds; 1 when Redis is unreachable, the content is empty or
        ``user_ip`` is empty (comments without an address are not one sender)."""
        if not content.strip() or not user_ip.strip():
            return 1
        fp = hashlib.sha1(f"{user_ip}\x00{content}".encode("utf-8", "surrogatepass")).hexdigest()
        key = self.keys.velocity(site_id, fp)
        return self._count(key)

    @fail_open("velocity", 1, "velocity signal skipped")
    def _count(self, key: str) -> int:
        pipe = self.client.pipeline(transaction=True)
        pipe.set(key, 0, ex=VELOCITY_WINDOW, nx=True)  # the window starts with the first copy
        pipe.incr(key)
        _, count = pipe.execute()
        return int(count)
