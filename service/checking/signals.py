"""Signals kept in Redis that the policy adds to the classifier's score: the flood windows
(``service.learning.floods``) and the near-duplicate memory of spam (``near_duplicates``).

A check reads them in one Redis round trip (:meth:`SignalSource.observe`: one Lua script,
``OBSERVE_LUA``, adds the comment to its flood windows and returns their sizes with the ids of the
near-duplicate candidates; a second round trip, ``MGET`` of their signatures, only when there are
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


#: KEYS: the flood sets (``FloodPlan.windows`` order), then the near-duplicate band sets.
#: ARGV: number of flood sets, then (member, window seconds) per flood set.
#: Returns ``{sizes of the flood sets after the additions, ids in the band sets (SUNION)}``.
OBSERVE_LUA = """
local n = tonumber(ARGV[1])
local sizes = {}
for i = 1, n do
  redis.call('SADD', KEYS[i], ARGV[2 * i])
  redis.call('EXPIRE', KEYS[i], ARGV[2 * i + 1])
  sizes[i] = redis.call('SCARD', KEYS[i])
end
local candidates = {}
if #KEYS > n then
  candidates = redis.call('SUNION', unpack(KEYS, n + 1, #KEYS))
end
return {sizes, candidates}
"""


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
        self._observe_script = client.register_script(OBSERVE_LUA)  # EVALSHA, loaded again after NOSCRIPT

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
        or site learning off) and look up the spam it nearly duplicates, in one round trip
        (``OBSERVE_LUA``; one more only to confirm candidates).

        Returns ``Observed()`` when Redis is unreachable (logged, counted as ``signals``)."""
        sig = signature(content)
        plan = self.floods.plan(flood) if flood is not None else None
        windows = plan.windows() if plan is not None else []
        keys = [key for key, _, _ in windows]
        if sig is not None:
            keys += self.near_dups.band_keys(site_id, sig)
        if not keys:
            return Observed()
        args: list[str | int] = [len(windows)]
        for _, member, window in windows:
            args += [member, window]
        sizes, candidates = self._observe_script(keys=keys, args=args, client=self.client)
        found_flood = plan.read(sizes) if plan is not None else Flood()
        near = self.near_dups.confirm(site_id, sig, set(candidates)) if sig is not None else []
        return Observed(found_flood, near[0] if near else None)
