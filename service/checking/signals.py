"""Signals kept in Redis that the policy adds to the classifier's score. Every lookup fails open:
a Redis error is logged and counted (``saring_redis_errors_total``) and the comment is decided on
its score alone, never failed.
"""
from __future__ import annotations

import logging

import redis

from service.checking.near_duplicates import NearDuplicate, NearDuplicateMemory
from service.infra.redis_keys import RedisKeys
from service.learning.floods import FloodWindows

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
        self._floods = FloodWindows(client, keys)

    @property
    def floods(self) -> FloodWindows:
        """The flood windows (``service.learning.floods``) on this source's Redis client."""
        self._floods.client = self.client
        return self._floods

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
