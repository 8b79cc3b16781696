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

    def plan(self, query: "FloodQuery") -> "FloodPlan":
        """The windows this comment is added to (see :class:`FloodPlan`), without touching Redis."""
        senders = [(label, s) for label, s in (("this IP", query.ip and f"ip:{query.ip}"),
                                                ("this commenter", query.commenter and f"c:{query.commenter}")) if s]
        settings = query.settings
        count_text = query.text_chars >= settings.flood_text_min_chars and bool(senders)
        return FloodPlan(
            text_key=self.keys.flood_text(query.site_id, query.text_hash[:20]) if count_text else None,
            sender_id=_h("|".join(s for _, s in senders) or "anonymous"),
            text_window=settings.flood_text_window,
            sender_keys=tuple(self.keys.flood_sender(query.site_id, _h(s)) for _, s in senders),
            sender_labels=tuple(label for label, _ in senders),
            text_member=query.text_hash[:20],
            sender_window=settings.flood_sender_window,
        )

    @fail_open("flood", Flood(), "flood signal skipped")
    def count(self, site_id: int, settings: LearningSettings, text_hash: str, text_chars: int,
              ip: str, commenter: str | None) -> Flood:
        """Add this comment to its windows and return the counts (``Flood()`` when nothing to count),
        in a pipeline of its own (a check counts them in its one round trip instead:
        ``service.checking.signals.SignalSource.observe``)."""
        plan = self.plan(FloodQuery(site_id, settings, text_hash, text_chars, ip, commenter))
        pipe = self.client.pipeline(transaction=False)
        for key, member, window in plan.windows():
            pipe.sadd(key, member)
            pipe.expire(key, window)
            pipe.scard(key)
        if not len(pipe):
            return Flood()
        return plan.read(pipe.execute()[2::3])


@dataclass(frozen=True)
class FloodPlan:
    """The windows one comment joins: the text's set of senders (``text_key``, member ``sender_id``,
    expiring ``text_window`` seconds after its last addition; ``None`` for a text too short to count
    or without a sender) and each sender's set of texts (``sender_keys``, member ``text_member``,
    ``sender_window`` seconds)."""

    text_key: str | None
    sender_id: str
    text_window: int
    sender_keys: tuple[str, ...]
    sender_labels: tuple[str, ...]
    text_member: str
    sender_window: int

    def windows(self) -> list[tuple[str, str, int]]:
        """``(key, member, window seconds)`` of each set, the text's first."""
        text = [(self.text_key, self.sender_id, self.text_window)] if self.text_key else []
        return text + [(key, self.text_member, self.sender_window) for key in self.sender_keys]

    def read(self, cards: list[Any]) -> Flood:
        """The :class:`Flood` from the sets' sizes after the additions (in :meth:`windows` order)."""
        cards = [int(c) for c in cards]
        text_senders = cards.pop(0) if self.text_key else 0
        best = max(range(len(cards)), key=lambda i: cards[i], default=None)
        if best is None:
            return Flood(text_senders)
        return Flood(text_senders, cards[best], self.sender_labels[best])


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
