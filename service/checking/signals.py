"""Signals kept in Redis that the policy adds to the classifier's score: the flood windows
(``service.learning.floods``) and the near-duplicate memory of spam (``near_duplicates``).

A check reads them in one Redis round trip (:meth:`SignalSource.observe`: one pipeline with the
window commands and the near-duplicate candidates; a second ``MGET`` only when there are
candidates to confirm). Every lookup fails open: a Redis error is logged and counted
(``saring_redis_errors_total``) and the comment is decided without these signals, never failed.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import redis

from service.checking.near_duplicates import NearDuplicate, NearDuplicateMemory, signature
from service.infra.fail_open import fail_open
from service.infra.redis_keys import RedisKeys
from service.learning.floods import Flood, FloodQuery, FloodWindows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Observed:
    """What Redis says about one checked comment (empty when Redis is unreachable)."""

    flood: Flood = Flood()
    near_duplicate: NearDuplicate | None = None


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

    @fail_open("signals", Observed(), "flood and near-duplicate signals skipped")
    def observe(self, site_id: int, content: str, flood: FloodQuery | None) -> Observed:
        """Count the comment in its flood windows (``flood``; ``None``: not counted, e.g. a re-check
        or site learning off) and look up the spam it nearly duplicates, in one pipeline.

        Returns ``Observed()`` when Redis is unreachable (logged, counted as ``signals``)."""
        sig = signature(content)
        pipe = self.client.pipeline(transaction=False)
        n, read_flood = self.floods.queue(pipe, flood) if flood is not None else (0, None)
        if sig is not None:
            self.near_dups.queue_candidates(pipe, site_id, sig)
        if not len(pipe):
            return Observed()
        results = pipe.execute()
        found_flood = read_flood(results[:n]) if read_flood is not None else Flood()
        near = self.near_dups.confirm(site_id, sig, results[n]) if sig is not None else []
        return Observed(found_flood, near[0] if near else None)
