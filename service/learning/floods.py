"""Floods: the same text from several senders, or many comments from one sender, in a short window.

What is *not* a repeat: the same comment checked again (a ``recheck_reason``, or an identical request:
same text from the same sender), a client retry, a feedback report (reports never come here).
Counting *distinct* senders per text and *distinct* texts per sender makes those free by
construction: adding a member a set already has changes nothing.

Redis layout (``service.infra.redis_keys``): ``flood_text(site, text)`` = set of sender hashes,
``flood_sender(site, sender)`` = set of text hashes, each expiring its window after its last
addition; these commands join the check's one Redis pipeline (``service.checking.signals``). A sender is the public IP (``service.learning.entities.public_ip``)
and, separately, the commenter identity; the text is the normalised content's hash. Fail open: on a
Redis error the comment is decided without this signal (logged, counted).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis

from service.infra.fail_open import fail_open
from service.infra.redis_keys import RedisKeys
from service.learning.settings import LearningSettings


@dataclass(frozen=True)
class Flood:
    """What the windows counted for one check (this comment included)."""

    text_senders: int = 0
    sender_comments: int = 0
    sender: str = ""  # "this IP" | "this commenter"


def _h(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


class FloodWindows:
    """Counts floods for the checks of every site (see the module docstring)."""

    def __init__(self, client: redis.Redis, keys: RedisKeys) -> None:
        self.client = client
        self.keys = keys

    def queue(self, pipe: redis.client.Pipeline, query: "FloodQuery") -> tuple[int, Callable[[list[Any]], Flood]]:
        """Add this comment's window commands to ``pipe`` (the check's one pipeline, shared with the
        other signals: ``service.checking.signals.SignalSource.observe``). Returns how many commands
        were added and the function that reads the :class:`Flood` from their results (in order)."""
        senders = [(label, s) for label, s in (("this IP", query.ip and f"ip:{query.ip}"),
                                                ("this commenter", query.commenter and f"c:{query.commenter}")) if s]
        sender_id = _h("|".join(s for _, s in senders) or "anonymous")
        settings = query.settings
        count_text = query.text_chars >= settings.flood_text_min_chars and bool(senders)
        if count_text:
            key = self.keys.flood_text(query.site_id, query.text_hash[:20])
            pipe.sadd(key, sender_id)
            pipe.expire(key, settings.flood_text_window)
            pipe.scard(key)
        for _, sender in senders:
            key = self.keys.flood_sender(query.site_id, _h(sender))
            pipe.sadd(key, query.text_hash[:20])
            pipe.expire(key, settings.flood_sender_window)
            pipe.scard(key)

        def read(results: list[Any]) -> Flood:
            cards = list(results[2::3])
            text_senders = int(cards.pop(0)) if count_text else 0
            best = max(range(len(cards)), key=lambda i: cards[i], default=None)
            if best is None:
                return Flood(text_senders)
            return Flood(text_senders, int(cards[best]), senders[best][0])

        return 3 * (int(count_text) + len(senders)), read

    @fail_open("flood", Flood(), "flood signal skipped")
    def count(self, site_id: int, settings: LearningSettings, text_hash: str, text_chars: int,
              ip: str, commenter: str | None) -> Flood:
        """Add this comment to its windows and return the counts (``Flood()`` when nothing to count),
        in a pipeline of its own."""
        pipe = self.client.pipeline(transaction=False)
        _, read = self.queue(pipe, FloodQuery(site_id, settings, text_hash, text_chars, ip, commenter))
        if not len(pipe):
            return Flood()
        return read(pipe.execute())


@dataclass(frozen=True)
class FloodQuery:
    """What the windows count for one check: the site, its settings (windows, minimum length), the
    normalised text's hash and length in characters, the public IP ("" when none) and commenter."""

    site_id: int
    settings: LearningSettings
    text_hash: str
    text_chars: int
    ip: str
    commenter: str | None
